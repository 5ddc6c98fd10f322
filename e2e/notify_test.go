package e2e_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookReceiver is an organization's webhook endpoint, as its own systems
// would write it from the documentation: it checks the signature
// (HMAC-SHA256 over t + "." + body, t recent) and keeps each delivery once.
type hookReceiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	seen     map[string]bool
	got      []map[string]any
	rejected int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{t: t, seen: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !validSignature(r.secret, req.Header.Get("Aidflow-Signature"), body) {
			r.rejected++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		id := req.Header.Get("Aidflow-Delivery")
		if !r.seen[id] {
			r.seen[id] = true
			var n map[string]any
			_ = json.Unmarshal(body, &n)
			if n["type"] != req.Header.Get("Aidflow-Event") {
				r.t.Errorf("Aidflow-Event %q for a %v", req.Header.Get("Aidflow-Event"), n["type"])
			}
			r.got = append(r.got, n)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func validSignature(secret, header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	return hmac.Equal([]byte(sig), []byte(hex.EncodeToString(m.Sum(nil))))
}

// received lists "type subject" of what arrived, in order.
func (r *hookReceiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.got {
		out = append(out, str(n, "type")+" "+str(n, "subject"))
	}
	return out
}

func (r *hookReceiver) notifications() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// TestWebhooksAndLiveFeed: a hospital and a manufacturer subscribe, a need
// and capacity are posted, and each receiver gets its own events, in
// order, never the other's; the hospital's live feed carries the same.
func TestWebhooksAndLiveFeed(t *testing.T) {
	s := startStack(t, t.TempDir(), map[string]string{"AIDFLOW_WEBHOOK_ALLOW": "127.0.0.1"})
	defer s.Close()
	p := register(t, s.BaseURL, s.OperatorToken)
	otherOrg := p.op.must(201, "POST", "/v1/orgs", map[string]any{"name": "Beijing General Hospital", "role": "hospital", "region": "110000"})
	other := p.op.as(str(otherOrg, "token"))

	hr, mr, or := newHookReceiver(t), newHookReceiver(t), newHookReceiver(t)
	subscribe := func(c client, r *hookReceiver, evs ...string) {
		w := c.must(201, "POST", "/v1/webhooks", map[string]any{"url": r.srv.URL + "/aidflow", "events": evs})
		r.mu.Lock()
		r.secret = str(w, "secret")
		r.mu.Unlock()
		if got := c.must(200, "GET", "/v1/webhooks/"+str(w, "id"), nil); got["secret"] != nil || str(got, "status") != "active" {
			t.Fatalf("GET shows %v", got)
		}
	}
	subscribe(p.hosp, hr, "need.allocated", "need.dispatched")
	subscribe(p.mfr, mr, "allocation.proposed", "allocation.expiring", "allocation.cancelled")
	subscribe(other, or, "need.allocated", "need.dispatched")
	// A manufacturer cannot ask for a hospital's events.
	if a := p.mfr.do("POST", "/v1/webhooks", map[string]any{"url": mr.srv.URL, "events": []string{"need.allocated"}}); a.Status != 422 {
		t.Fatalf("foreign events: %d %s", a.Status, a.Raw)
	}

	feed := openFeed(t, s.BaseURL, p.hosp.token)

	need := p.hosp.must(201, "POST", "/v1/needs", map[string]any{"item": "n95-respirator", "quantity": 2000, "urgency": "critical", "needed_by": neededBy(5)})
	p.mfr.must(200, "PUT", "/v1/capacity/n95-respirator", map[string]any{"available_now": 5000, "daily_rate": 2000, "lead_time_days": 1})
	allocID := allocationOf(t, p.hosp, str(need, "id"))
	p.mfr.must(200, "POST", "/v1/allocations/"+allocID+"/accept", nil)
	p.mfr.must(200, "POST", "/v1/allocations/"+allocID+"/dispatch", map[string]any{"shipped_quantity": 2000})

	eventually(t, "the hospital's two deliveries", func() bool { return len(hr.received()) >= 2 })
	if got := hr.received(); !slices.Equal(got, []string{"need.allocated " + allocID, "need.dispatched " + allocID}) {
		t.Fatalf("hospital received %v", got)
	}
	eventually(t, "the manufacturer's delivery", func() bool { return len(mr.received()) >= 1 })
	if got := mr.received(); !slices.Equal(got, []string{"allocation.proposed " + allocID}) {
		t.Fatalf("manufacturer received %v", got)
	}
	mdata, _ := mr.notifications()[0]["data"].(map[string]any)
	if str(mdata, "source_org_id") != p.mfrID || str(mdata, "expires_at") == "" || num(mdata, "quantity") != 2000 {
		t.Fatalf("the proposal says what and until when: %v", mdata)
	}
	for _, n := range hr.notifications() {
		if d, _ := n["data"].(map[string]any); str(d, "hospital_id") != p.hospID {
			t.Fatalf("the hospital received another's event: %v", n)
		}
	}
	if got := or.received(); len(got) != 0 {
		t.Fatalf("the other hospital received %v", got)
	}
	for _, r := range []*hookReceiver{hr, mr, or} {
		if r.rejected != 0 {
			t.Fatalf("%d deliveries with a bad signature", r.rejected)
		}
	}

	// The live feed carried the same notifications (same ids).
	var streamed []string
	for len(streamed) < 2 {
		ev := feed.next(t)
		streamed = append(streamed, str(ev, "id"))
	}
	var hooked []string
	for _, n := range hr.notifications() {
		hooked = append(hooked, str(n, "id"))
	}
	if !slices.Equal(streamed, hooked) {
		t.Fatalf("stream %v, webhooks %v", streamed, hooked)
	}

	// The delivery log shows each with its status code.
	hooks := items(p.hosp.must(200, "GET", "/v1/webhooks", nil))
	if len(hooks) != 1 {
		t.Fatalf("hospital's webhooks %v", hooks)
	}
	eventually(t, "the delivery log to say both were delivered (204)", func() bool {
		log := items(p.hosp.must(200, "GET", "/v1/webhooks/"+str(hooks[0], "id")+"/deliveries", nil))
		return len(log) == 2 && str(log[0], "status") == "delivered" && num(log[0], "last_status_code") == 204 &&
			str(log[1], "status") == "delivered"
	})
	if a := p.mfr.do("GET", "/v1/webhooks/"+str(hooks[0], "id")+"/deliveries", nil); a.Status != 404 {
		t.Fatalf("another organization's log: %d", a.Status)
	}
}

type feedReader struct{ events chan map[string]any }

// openFeed opens GET /v1/me/stream through the gateway.
func openFeed(t *testing.T, base, token string) *feedReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v1/me/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req) //nolint:bodyclose // the reader goroutine closes it
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f := &feedReader{events: make(chan map[string]any, 64)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var n map[string]any
				if json.Unmarshal([]byte(data), &n) == nil && n["type"] != nil {
					f.events <- n
				}
			}
		}
	}()
	return f
}

func (f *feedReader) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case n := <-f.events:
		return n
	case <-time.After(20 * time.Second):
		t.Fatal("nothing on the live feed within 20 s")
		return nil
	}
}
