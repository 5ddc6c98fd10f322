package domain_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

func mustPolicy(t *testing.T, allow ...string) domain.TargetPolicy {
	t.Helper()
	p, err := domain.ParseTargetPolicy(allow, true)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewSubscriptionValidates(t *testing.T) {
	p := mustPolicy(t)
	cases := []struct {
		name, role, url string
		events          []string
		field, says     string
	}{
		{"fine", auth.Manufacturer, "https://erp.example.com/hook", []string{"allocation.proposed", "allocation.expiring"}, "", ""},
		{"no url", auth.Manufacturer, " ", []string{"allocation.proposed"}, "url", "required"},
		{"ftp", auth.Manufacturer, "ftp://erp.example.com/", []string{"allocation.proposed"}, "url", "https://"},
		{"user info", auth.Manufacturer, "https://u:p@erp.example.com/", []string{"allocation.proposed"}, "url", "password"},
		{"loopback", auth.Manufacturer, "http://127.0.0.1:9000/", []string{"allocation.proposed"}, "url", "loopback"},
		{"localhost", auth.Manufacturer, "http://localhost/", []string{"allocation.proposed"}, "url", "loopback"},
		{"metadata", auth.Manufacturer, "http://169.254.169.254/latest/meta-data", []string{"allocation.proposed"}, "url", "metadata"},
		{"private v6", auth.Manufacturer, "http://[fd00::1]/", []string{"allocation.proposed"}, "url", "private"},
		{"mapped v4", auth.Manufacturer, "http://[::ffff:10.0.0.1]/", []string{"allocation.proposed"}, "url", "private"},
		{"no events", auth.Hospital, "https://h.example.com/", nil, "events", "at least one"},
		{"another role's", auth.Hospital, "https://h.example.com/", []string{"need.allocated", "allocation.proposed", "nonsense"}, "events", "allocation.proposed, nonsense"},
		{"anomalies are regulators'", auth.Donor, "https://d.example.com/", []string{"anomaly.raised"}, "events", "anomaly.raised"},
		{"the operator has none", auth.Operator, "https://d.example.com/", []string{"anomaly.raised"}, "events", "no events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := domain.NewSubscription(domain.NewSubscriptionInput{URL: c.url, Events: c.events}, "org-1", c.role, p, t0)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.Status != domain.StatusActive || !strings.HasPrefix(s.Secret, "whsec_") || len(s.Secret) < 40 || s.OrgID != "org-1" || s.Role != c.role {
					t.Fatalf("%+v", s)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Unprocessable || len(e.Fields) != 1 || e.Fields[0].Field != c.field || !strings.Contains(e.Fields[0].Message, c.says) {
				t.Fatalf("want 422 on %s saying %q, got %#v", c.field, c.says, err)
			}
		})
	}
	a, _ := domain.NewSubscription(domain.NewSubscriptionInput{URL: "https://a.example/", Events: []string{"need.stale"}}, "o", auth.Hospital, p, t0)
	b, _ := domain.NewSubscription(domain.NewSubscriptionInput{URL: "https://a.example/", Events: []string{"need.stale"}}, "o", auth.Hospital, p, t0)
	if a.ID == b.ID || a.Secret == b.Secret {
		t.Fatal("ids and secrets must be fresh")
	}
}

func TestTargetPolicy(t *testing.T) {
	strict, err := domain.ParseTargetPolicy([]string{"10.1.0.0/16", "hooks.internal", "127.0.0.1"}, false)
	if err != nil {
		t.Fatal(err)
	}
	open := mustPolicy(t, "127.0.0.1")
	cases := []struct {
		policy     domain.TargetPolicy
		host, addr string
		ok         bool
		policyName string
	}{
		{open, "example.com", "93.184.216.34", true, "open"},
		{open, "example.com", "127.0.0.1", true, "open"},
		{open, "example.com", "127.0.0.2", false, "open"},
		{open, "example.com", "::1", false, "open"},
		{open, "example.com", "10.0.0.1", false, "open"},
		{open, "example.com", "172.16.5.4", false, "open"},
		{open, "example.com", "192.168.1.1", false, "open"},
		{open, "example.com", "169.254.169.254", false, "open"},
		{open, "example.com", "100.64.0.1", false, "open"},
		{open, "example.com", "0.0.0.0", false, "open"},
		{open, "example.com", "224.0.0.1", false, "open"},
		{open, "example.com", "fe80::1", false, "open"},
		{open, "example.com", "fd00:ec2::254", false, "open"},
		{open, "example.com", "::ffff:192.168.0.1", false, "open"},
		{open, "example.com", "2606:4700::1", true, "open"},
		{strict, "example.com", "93.184.216.34", false, "strict"},
		{strict, "example.com", "10.1.2.3", true, "strict"},
		{strict, "hooks.internal", "10.9.9.9", true, "strict"},
		{strict, "HOOKS.internal.", "192.168.0.1", true, "strict"},
		{strict, "example.com", "127.0.0.1", true, "strict"},
	}
	for _, c := range cases {
		err := c.policy.CheckAddr(c.host, netip.MustParseAddr(c.addr))
		if (err == nil) != c.ok {
			t.Errorf("%s: %s at %s: %v", c.policyName, c.host, c.addr, err)
		}
	}
	for _, bad := range []string{"http://x/y", "a b", "user@host"} {
		if _, err := domain.ParseTargetPolicy([]string{bad}, true); err == nil {
			t.Errorf("allow-list entry %q accepted", bad)
		}
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"ntf_1"}`)
	h := domain.Sign("whsec_x", t0, body)
	if !strings.HasPrefix(h, "t=1772352000,v1=") || len(h) != len("t=1772352000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	if err := domain.VerifySignature("whsec_x", h, body, t0.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	cases := map[string]error{
		"other secret": domain.VerifySignature("whsec_y", h, body, t0, 5*time.Minute),
		"other body":   domain.VerifySignature("whsec_x", h, []byte(`{"id":"ntf_2"}`), t0, 5*time.Minute),
		"replayed":     domain.VerifySignature("whsec_x", h, body, t0.Add(10*time.Minute), 5*time.Minute),
		"retimed":      domain.VerifySignature("whsec_x", strings.Replace(h, "t=1772352000", "t=1772352600", 1), body, t0.Add(10*time.Minute), 5*time.Minute),
		"malformed":    domain.VerifySignature("whsec_x", "v1=abc", body, t0, 5*time.Minute),
	}
	want := map[string]error{"other secret": domain.ErrSignatureMismatch, "other body": domain.ErrSignatureMismatch,
		"replayed": domain.ErrSignatureStale, "retimed": domain.ErrSignatureMismatch, "malformed": domain.ErrSignatureMalformed}
	for name, err := range cases {
		if !errors.Is(err, want[name]) {
			t.Errorf("%s: %v, want %v", name, err, want[name])
		}
	}
}

func TestRetrySchedule(t *testing.T) {
	r := domain.Retry{Base: 30 * time.Second, Max: time.Hour, Period: 24 * time.Hour, PauseAfter: 10}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := r.Delay(i + 1); got != w {
			t.Errorf("after %d failures wait %s, want %s", i+1, got, w)
		}
	}
	r.Jitter = 0.2
	for _, f := range []float64{0, 0.5, 0.999} {
		r.Rand = func() float64 { return f }
		if d := r.Delay(1); d < 24*time.Second || d > 36*time.Second {
			t.Errorf("jitter %v gave %s", f, d)
		}
	}
}

func TestDeliveryAndSubscriptionRecordAttempts(t *testing.T) {
	r := domain.Retry{Base: time.Second, Max: 4 * time.Second, Period: time.Minute, PauseAfter: 3}
	s := domain.Subscription{ID: "whk_1", OrgID: "o", Status: domain.StatusActive}
	n := domain.Notification{ID: "ntf_1", Type: domain.NeedStale, Subject: "need-1", Data: map[string]any{}}
	d := domain.NewDelivery(s, n, t0)
	if d.ID != domain.DeliveryID("whk_1", "ntf_1") || d.Status != domain.DeliveryPending {
		t.Fatalf("%+v %+v", d, s)
	}
	pos, reserved := s.Reserve()
	if !reserved || pos != 1 {
		t.Fatalf("reserve %d %v", pos, reserved)
	}
	s.Queued, d.Position = pos, pos
	now := t0
	fail := domain.Attempt{At: now, StatusCode: 500}
	d.Apply(fail, r)
	s.Record(fail, r.PauseAfter)
	if d.Status != domain.DeliveryPending || d.NextAt != now.Add(time.Second) || s.ConsecutiveFailures != 1 {
		t.Fatalf("after one failure %+v %+v", d, s)
	}
	now = now.Add(time.Second)
	timeout := domain.Attempt{At: now, Error: "no answer within 10s"}
	d.Apply(timeout, r)
	s.Record(timeout, r.PauseAfter)
	if d.NextAt != now.Add(2*time.Second) {
		t.Fatalf("second wait %s", d.NextAt.Sub(now))
	}
	now = now.Add(2 * time.Second)
	d.Apply(domain.Attempt{At: now, StatusCode: 503}, r)
	s.Record(domain.Attempt{At: now, StatusCode: 503}, r.PauseAfter)
	if s.Status != domain.StatusPaused || !strings.Contains(s.PausedReason, "503 Service Unavailable") || !strings.Contains(s.PausedReason, "3 consecutive") {
		t.Fatalf("paused? %+v", s)
	}
	s.Resume()
	d.Retrying(now)
	if s.Status != domain.StatusActive || s.ConsecutiveFailures != 0 || s.PausedReason != "" || d.NextAt != now || !d.FirstTriedAt.IsZero() {
		t.Fatalf("resumed %+v %+v", s, d)
	}
	ok := domain.Attempt{At: now, StatusCode: 204}
	d.Apply(ok, r)
	s.Record(ok, r.PauseAfter)
	if ev := s.Finish(2, d.ID); ev != nil || s.Finished != 0 {
		t.Fatalf("finishing a position that is not the head: %v %+v", ev, s)
	}
	s.Finish(1, d.ID)
	if d.Status != domain.DeliveryDelivered || d.Tries != 4 || s.Pending() != 0 || s.Finished != 1 || len(s.Recent) != 1 || s.LastStatus != 204 {
		t.Fatalf("delivered %+v %+v", d, s)
	}

	// A delivery failing for the whole period is given up.
	g := domain.NewDelivery(s, domain.Notification{ID: "ntf_2", Data: map[string]any{}}, t0)
	g.Apply(domain.Attempt{At: t0, StatusCode: 500}, r)
	g.Apply(domain.Attempt{At: t0.Add(59 * time.Second), StatusCode: 500}, r)
	if g.Status != domain.DeliveryPending {
		t.Fatal("given up too soon")
	}
	g.Apply(domain.Attempt{At: t0.Add(time.Minute), StatusCode: 500}, r)
	if g.Status != domain.DeliveryFailed {
		t.Fatalf("not given up after the period: %+v", g)
	}
	var evicted []string
	for i := range domain.MaxRecent + 5 {
		s.Queued++
		evicted = append(evicted, s.Finish(s.Head(), "d"+strings.Repeat("x", i))...)
	}
	if len(s.Recent) != domain.MaxRecent || len(evicted) != 6 || evicted[0] != d.ID || evicted[1] != "d" {
		t.Fatalf("recent log holds %d, evicted %v", len(s.Recent), evicted)
	}
}
