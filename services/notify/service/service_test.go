package service_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/notify/domain"
	"github.com/aidflow/aidflow/services/notify/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/testkit"
)

func deliveries(t *testing.T, e *env, token, id string) []map[string]any {
	t.Helper()
	code, out := e.call(t, "GET", "/v1/webhooks/"+id+"/deliveries", token, "")
	if code != 200 {
		t.Fatalf("deliveries: %d %v", code, out)
	}
	var ds []map[string]any
	for _, it := range out["items"].([]any) {
		ds = append(ds, it.(map[string]any))
	}
	return ds
}

// Each organization gets its own events, signed, in order per allocation,
// after 500s and timeouts, with one delivery id across every retry.
func TestWebhooksDeliverEachOrganizationItsOwnEventsSignedInOrderThroughFailures(t *testing.T) {
	e := boot(t)
	hosp := e.iss.Org(t, auth.Hospital, "420100")
	other := e.iss.Org(t, auth.Hospital, "110000")
	mfr := e.iss.Org(t, auth.Manufacturer, "330100")

	hr, or, mr := newReceiver(t), newReceiver(t), newReceiver(t)
	// The hospital's receiver fails twice with 500, then times out once, then takes everything.
	hr.setRespond(func(n int) (int, time.Duration) {
		switch n {
		case 1, 2:
			return 500, 0
		case 3:
			return 204, time.Second // past the 300 ms attempt timeout
		}
		return 204, 0
	})
	_, hs := e.subscribe(t, hosp.Token, hr.url(), domain.NeedAllocated, domain.NeedDispatched)
	hr.setSecret(hs)
	_, os := e.subscribe(t, other.Token, or.url(), domain.NeedAllocated, domain.NeedDispatched)
	or.setSecret(os)
	mid, ms := e.subscribe(t, mfr.Token, mr.url(), domain.AllocationProposed)
	mr.setSecret(ms)

	for _, a := range []string{"a1", "a2"} {
		e.publish(t, allocation(events.AllocationProposedType, a, hosp.ID, mfr.ID, "capacity", 1))
		e.publish(t, allocation(events.AllocationAcceptedType, a, hosp.ID, mfr.ID, "capacity", 2))
		e.publish(t, allocation(events.AllocationDispatchedType, a, hosp.ID, mfr.ID, "capacity", 3))
	}
	e.publish(t, allocation(events.AllocationProposedType, "b1", other.ID, "some-other-mfr", "capacity", 1))

	want := []string{"need.allocated a1", "need.dispatched a1", "need.allocated a2", "need.dispatched a2"}
	testkit.Eventually(t, 15*time.Second, func() bool { return len(hr.appliedEvents()) == len(want) }, "hospital's four deliveries")
	if got := hr.appliedEvents(); !slices.Equal(got, want) {
		t.Fatalf("hospital got %v, want %v (in order)", got, want)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return len(mr.appliedEvents()) == 2 && len(or.appliedEvents()) == 1 }, "the others' deliveries")
	if got := mr.appliedEvents(); !slices.Equal(got, []string{"allocation.proposed a1", "allocation.proposed a2"}) {
		t.Fatalf("manufacturer got %v", got)
	}
	if got := or.appliedEvents(); !slices.Equal(got, []string{"need.allocated b1"}) {
		t.Fatalf("the other hospital got %v: never another's", got)
	}

	reqs, effects, bad := hr.snapshot()
	if bad != 0 {
		t.Fatalf("%d deliveries with a bad signature", bad)
	}
	// The first delivery was tried four times with one id; applied once.
	if len(reqs) < 7 || reqs[0].Delivery != reqs[1].Delivery || reqs[1].Delivery != reqs[2].Delivery || reqs[2].Delivery != reqs[3].Delivery {
		t.Fatalf("retries must carry one Aidflow-Delivery: %+v", reqs)
	}
	for id, n := range effects {
		if n != 1 {
			t.Errorf("delivery %s applied %d times", id, n)
		}
	}
	// Nothing personal or free text travels.
	for _, r := range reqs {
		if s := fmt.Sprint(r.Body); strings.Contains(s, "13800138000") {
			t.Fatalf("a delivery carried the status reason: %s", s)
		}
	}

	// The delivery log shows the attempts: 500, 500, a timeout, then 204.
	hid := listIDs(t, e, hosp.Token)[0]
	ds := deliveries(t, e, hosp.Token, hid)
	if len(ds) != 4 {
		t.Fatalf("log %v", ds)
	}
	first := ds[len(ds)-1] // newest first
	hist := first["history"].([]any)
	codes := []string{}
	for _, h := range hist {
		hm := h.(map[string]any)
		codes = append(codes, fmt.Sprint(hm["status_code"], "/", hm["error"] != nil))
	}
	if first["status"] != "delivered" || fmt.Sprint(codes) != "[500/false 500/false <nil>/true 204/false]" {
		t.Fatalf("first delivery's log %v: %v", first["status"], codes)
	}
	if !strings.Contains(fmt.Sprint(hist[2].(map[string]any)["error"]), "no answer within") {
		t.Fatalf("the timeout is named: %v", hist[2])
	}
	if first["id"] != reqs[0].Delivery {
		t.Fatalf("log id %v, header %v", first["id"], reqs[0].Delivery)
	}

	// A replayed event creates nothing new.
	before := len(deliveries(t, e, mfr.Token, mid))
	if err := e.m.App.HandleEvent(context.Background(), allocation(events.AllocationProposedType, "a1", hosp.ID, mfr.ID, "capacity", 1)); err != nil {
		t.Fatal(err)
	}
	if after := len(deliveries(t, e, mfr.Token, mid)); after != before {
		t.Fatalf("a replay queued another delivery: %d then %d", before, after)
	}
	_, meffects, _ := mr.snapshot()
	if len(meffects) != 2 {
		t.Fatalf("manufacturer effects %v", meffects)
	}
}

func listIDs(t *testing.T, e *env, token string) []string {
	t.Helper()
	code, out := e.call(t, "GET", "/v1/webhooks", token, "")
	if code != 200 {
		t.Fatalf("list %d %v", code, out)
	}
	var ids []string
	for _, it := range out["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

func TestAFailingReceiverIsPausedWithTheReasonAndCanBeResumed(t *testing.T) {
	e := boot(t, func(c *service.Config) { c.Retry.PauseAfter = 3 })
	hosp := e.iss.Org(t, auth.Hospital, "420100")
	r := newReceiver(t)
	r.setRespond(func(int) (int, time.Duration) { return 503, 0 })
	id, secret := e.subscribe(t, hosp.Token, r.url(), domain.NeedAllocated)
	r.setSecret(secret)
	e.publish(t, allocation(events.AllocationProposedType, "a1", hosp.ID, "m", "capacity", 1))

	var got map[string]any
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, got = e.call(t, "GET", "/v1/webhooks/"+id, hosp.Token, "")
		return got["status"] == "paused"
	}, "paused after three failures")
	if !strings.Contains(fmt.Sprint(got["paused_reason"]), "503") || got["consecutive_failures"] != float64(3) || got["last_status"] != float64(503) || got["pending"] != float64(1) {
		t.Fatalf("the owner sees why: %v", got)
	}
	if _, ok := got["secret"]; ok {
		t.Fatal("GET shows the secret")
	}
	reqs, _, _ := r.snapshot()
	if len(reqs) != 3 {
		t.Fatalf("a paused subscription is not tried: %d requests", len(reqs))
	}

	r.setRespond(func(int) (int, time.Duration) { return 200, 0 })
	code, res := e.call(t, "POST", "/v1/webhooks/"+id+"/resume", hosp.Token, "")
	if code != 200 || res["status"] != "active" || res["paused_reason"] != nil {
		t.Fatalf("resume: %d %v", code, res)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return len(r.appliedEvents()) == 1 }, "delivered after resume")
	testkit.Eventually(t, 5*time.Second, func() bool {
		_, got = e.call(t, "GET", "/v1/webhooks/"+id, hosp.Token, "")
		return got["pending"] == float64(0) && got["consecutive_failures"] == float64(0)
	}, "queue empty")
}

// Stopped mid-retry and started again on the same data, the service
// delivers the pending delivery exactly once.
func TestPendingDeliveriesSurviveARestart(t *testing.T) {
	e := boot(t, func(c *service.Config) { c.Retry.Base, c.Retry.Max = 300*time.Millisecond, 300*time.Millisecond })
	mfr := e.iss.Org(t, auth.Manufacturer, "330100")
	r := newReceiver(t)
	r.setRespond(func(int) (int, time.Duration) { return 500, 0 })
	id, secret := e.subscribe(t, mfr.Token, r.url(), domain.AllocationProposed, domain.AllocationCancelled)
	r.setSecret(secret)
	e.publish(t, allocation(events.AllocationProposedType, "a1", "h", mfr.ID, "capacity", 1))
	e.publish(t, allocation(events.AllocationCancelledType, "a1", "h", mfr.ID, "capacity", 2))
	testkit.Eventually(t, 10*time.Second, func() bool { reqs, _, _ := r.snapshot(); return len(reqs) >= 2 }, "retrying")

	e.stop()
	r.setRespond(func(int) (int, time.Duration) { return 200, 0 })
	e.start()

	testkit.Eventually(t, 10*time.Second, func() bool { return len(r.appliedEvents()) == 2 }, "delivered after the restart")
	if got := r.appliedEvents(); !slices.Equal(got, []string{"allocation.proposed a1", "allocation.cancelled a1"}) {
		t.Fatalf("got %v", got)
	}
	_, effects, bad := r.snapshot()
	for d, n := range effects {
		if n != 1 {
			t.Errorf("delivery %s applied %d times", d, n)
		}
	}
	if bad != 0 || len(effects) != 2 {
		t.Fatalf("effects %v, bad signatures %d", effects, bad)
	}
	var ds []map[string]any
	testkit.Eventually(t, 10*time.Second, func() bool {
		ds = deliveries(t, e, mfr.Token, id)
		return len(ds) == 2 && ds[0]["status"] == "delivered" && ds[1]["status"] == "delivered"
	}, "the log says both were delivered")
	if ds[1]["attempts"] == float64(1) {
		t.Fatalf("the first delivery was retried across the restart: %v", ds[1])
	}
}

func TestWebhookTargetsAreChecked(t *testing.T) {
	e := boot(t)
	hosp := e.iss.Org(t, auth.Hospital, "420100")
	for _, u := range []string{"http://10.0.0.1/hook", "http://169.254.169.254/latest", "http://127.0.0.2:8080/", "http://[::1]/", "file:///etc/passwd", "https://user:pw@example.com/"} {
		code, p := e.call(t, "POST", "/v1/webhooks", hosp.Token, `{"url":"`+u+`","events":["need.allocated"]}`)
		if code != 422 || fmt.Sprint(p["errors"]) == "" || !strings.Contains(fmt.Sprint(p["errors"]), "url") {
			t.Errorf("%s: %d %v", u, code, p)
		}
	}
	code, p := e.call(t, "POST", "/v1/webhooks", hosp.Token, `{"url":"https://h.example/","events":["need.allocated","allocation.proposed","x"]}`)
	if code != 422 || !strings.Contains(fmt.Sprint(p["errors"]), "allocation.proposed, x") {
		t.Errorf("foreign events: %d %v", code, p)
	}
	code, p = e.call(t, "POST", "/v1/webhooks", hosp.Token, `{"url":"https://h.example/","events":["need.allocated"],"secret":"mine"}`)
	if code != 400 {
		t.Errorf("unknown field: %d %v", code, p)
	}
	// The allow-listed loopback receiver works (the other tests); a second
	// loopback port on 127.0.0.1 too, but not 127.0.0.2: the list is exact.
	r := newReceiver(t)
	id, secret := e.subscribe(t, hosp.Token, r.url(), domain.NeedStale)
	r.setSecret(secret)
	e.publish(t, events.MustNew("demand", events.NeedStale{NeedID: "n1", HospitalID: hosp.ID, Item: "goggles", Region: "420100", Status: "stale"},
		events.Meta{Subject: "n1", OrgID: hosp.ID, Item: "goggles"}))
	testkit.Eventually(t, 10*time.Second, func() bool { return len(r.appliedEvents()) == 1 }, "need.stale delivered")
	if ds := deliveries(t, e, hosp.Token, id); len(ds) != 1 || ds[0]["event"] != "need.stale" {
		t.Fatalf("log %v", ds)
	}
	// The per-organization limit (3 in these tests).
	for range 2 {
		e.subscribe(t, hosp.Token, r.url(), domain.NeedStale)
	}
	if code, p := e.call(t, "POST", "/v1/webhooks", hosp.Token, `{"url":"`+r.url()+`","events":["need.stale"]}`); code != 409 {
		t.Fatalf("a fourth subscription: %d %v", code, p)
	}
	// Pages of two.
	_, page := e.call(t, "GET", "/v1/webhooks?limit=2", hosp.Token, "")
	if len(page["items"].([]any)) != 2 || page["next"] == "" {
		t.Fatalf("page %v", page)
	}
	_, page2 := e.call(t, "GET", "/v1/webhooks?limit=2&cursor="+page["next"].(string), hosp.Token, "")
	if len(page2["items"].([]any)) != 1 || page2["next"] != "" {
		t.Fatalf("page 2 %v", page2)
	}
}

// Every route, every role, someone else's subscription, no token, a
// forged one and a revoked one.
func TestAuthorizationMatrix(t *testing.T) {
	e := boot(t)
	hosp := e.iss.Org(t, auth.Hospital, "420100")
	mfr := e.iss.Org(t, auth.Manufacturer, "330100")
	donor := e.iss.Org(t, auth.Donor, "110000")
	reg := e.iss.Org(t, auth.Regulator, "110000")
	revoked := e.iss.Org(t, auth.Hospital, "420100")
	operator := e.iss.Token(t, auth.Claims{OrgID: "operator", Role: auth.Operator})
	r := newReceiver(t)
	hid, _ := e.subscribe(t, hosp.Token, r.url(), domain.NeedAllocated)
	e.publish(t, events.MustNew("registry", events.TokenRevoked{TokenID: revoked.TokenID, OrgID: revoked.ID}, events.Meta{Subject: revoked.TokenID, OrgID: revoked.ID}))
	testkit.Eventually(t, 10*time.Second, func() bool { return e.m.P.Verifier.Revoked(revoked.TokenID) }, "revocation seen")

	own := map[string]string{"hospital": `{"url":"` + r.url() + `","events":["need.stale"]}`, "manufacturer": `{"url":"` + r.url() + `","events":["allocation.expiring"]}`,
		"donor": `{"url":"` + r.url() + `","events":["donation.delivered"]}`, "regulator": `{"url":"` + r.url() + `","events":["anomaly.raised"]}`}
	tokens := map[string]string{"none": "", "forged": "aft1.e30.AAAA", "revoked": revoked.Token, "operator": operator,
		"hospital": hosp.Token, "manufacturer": mfr.Token, "donor": donor.Token, "regulator": reg.Token}
	for who, tok := range tokens {
		for _, rt := range []struct {
			method, path string
			body         func(who string) string
			owner, other int // for the owner of hid; for any other organization
		}{
			{"POST", "/v1/webhooks", func(w string) string { return own[w] }, 201, 201},
			{"GET", "/v1/webhooks", nil, 200, 200},
			{"GET", "/v1/webhooks/" + hid, nil, 200, 404},
			{"GET", "/v1/webhooks/" + hid + "/deliveries", nil, 200, 404},
			{"POST", "/v1/webhooks/" + hid + "/resume", nil, 200, 404},
			{"DELETE", "/v1/webhooks/" + hid, nil, 0, 404}, // the owner's delete is checked last
		} {
			want := rt.other
			switch who {
			case "none", "forged", "revoked":
				want = 401
			case "operator":
				want = 403
			case "hospital":
				want = rt.owner
			}
			if want == 0 {
				continue
			}
			body := ""
			if rt.body != nil {
				body = rt.body(who)
				if body == "" {
					body = own["hospital"]
				}
			}
			if code, p := e.call(t, rt.method, rt.path, tok, body); code != want {
				t.Errorf("%s %s as %s: %d, want %d (%v)", rt.method, rt.path, who, code, want, p)
			}
		}
	}
	// Nobody else saw or changed it; its owner lists it and can delete it.
	if ids := listIDs(t, e, mfr.Token); slices.Contains(ids, hid) {
		t.Fatal("another organization lists the hospital's subscription")
	}
	if code, _ := e.call(t, "DELETE", "/v1/webhooks/"+hid, hosp.Token, ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := e.call(t, "GET", "/v1/webhooks/"+hid, hosp.Token, ""); code != 404 {
		t.Fatalf("deleted still there: %d", code)
	}

	srv := httptest.NewServer(e.m.Handler())
	t.Cleanup(srv.Close)
	for who, want := range map[string]int{"none": 401, "forged": 401, "revoked": 401, "operator": 403} {
		if _, code := openStream(t, srv.URL, tokens[who], ""); code != want {
			t.Errorf("stream as %s: %d, want %d", who, code, want)
		}
	}
}

// The live feed carries the same notifications, only the organization's
// own, resumes from Last-Event-ID, is limited per organization, and ends
// when its token is revoked.
func TestLiveFeed(t *testing.T) {
	e := boot(t)
	srv := httptest.NewServer(e.m.Handler())
	t.Cleanup(srv.Close)
	hosp := e.iss.Org(t, auth.Hospital, "420100")
	other := e.iss.Org(t, auth.Hospital, "110000")
	reg := e.iss.Org(t, auth.Regulator, "110000")

	s, code := openStream(t, srv.URL, hosp.Token, "")
	if code != 200 {
		t.Fatalf("stream: %d", code)
	}
	rs, _ := openStream(t, srv.URL, reg.Token, "")
	e.publish(t, allocation(events.AllocationProposedType, "x1", other.ID, "m", "capacity", 1))
	e.publish(t, allocation(events.AllocationProposedType, "a1", hosp.ID, "m", "capacity", 1))
	e.publish(t, allocation(events.AllocationDispatchedType, "a1", hosp.ID, "m", "capacity", 3))
	e.publish(t, events.MustNew("audit", events.AnomalyRaised{AnomalyID: "r:a1", Rule: "r", SubjectKind: "allocation", SubjectID: "a1",
		OrgID: "m", Threshold: "1", Observed: "2", Since: "2026-03-01T08:00:00Z", RaisedAt: "2026-03-01T09:00:00Z"}, events.Meta{Subject: "r:a1"}))

	var got []string
	var lastID string
	for len(got) < 2 {
		ev, ok := s.next(t)
		if !ok {
			t.Fatal("stream ended")
		}
		got = append(got, ev.Event+" "+ev.Data["subject"].(string))
		lastID = ev.ID
		if ev.Data["data"].(map[string]any)["hospital_id"] != hosp.ID {
			t.Fatalf("another organization's event: %v", ev.Data)
		}
	}
	if !slices.Equal(got, []string{"need.allocated a1", "need.dispatched a1"}) || lastID != "2" {
		t.Fatalf("stream %v, last id %s", got, lastID)
	}
	if ev, _ := rs.next(t); ev.Event != "anomaly.raised" || ev.Data["data"].(map[string]any)["anomaly_id"] != "r:a1" {
		t.Fatalf("regulator's stream: %+v", ev)
	}

	// Resuming after id 1 gives id 2 again; 0 gives the whole backlog.
	s2, _ := openStream(t, srv.URL, hosp.Token, "1")
	if ev, _ := s2.next(t); ev.ID != "2" || ev.Event != "need.dispatched" {
		t.Fatalf("resume: %+v", ev)
	}
	// Two streams are open for the hospital: a third is refused.
	if _, code := openStream(t, srv.URL, hosp.Token, ""); code != 429 {
		t.Fatalf("third stream: %d", code)
	}
	_ = s2.resp.Body.Close()
	testkit.Eventually(t, 5*time.Second, func() bool {
		s3, code := openStream(t, srv.URL, hosp.Token, "0")
		if code != 200 {
			return false
		}
		ev, _ := s3.next(t)
		_ = s3.resp.Body.Close()
		return ev.ID == "1"
	}, "a closed stream frees its place; Last-Event-ID 0 replays the backlog")
	if _, code := openStream(t, srv.URL, hosp.Token, "abc"); code != 400 {
		t.Fatalf("bad Last-Event-ID: %d", code)
	}

	// Revoking the token ends the open stream.
	e.publish(t, events.MustNew("registry", events.TokenRevoked{TokenID: hosp.TokenID, OrgID: hosp.ID}, events.Meta{Subject: hosp.TokenID, OrgID: hosp.ID}))
	for {
		ev, ok := s.next(t)
		if !ok {
			t.Fatal("stream ended without saying why")
		}
		if ev.Event == "revoked" {
			break
		}
	}
	if _, ok := s.next(t); ok {
		t.Fatal("the stream went on after revocation")
	}
}

// A manufacturer is warned before a proposal expires, unless it accepts.
func TestExpiringProposalsAreAnnounced(t *testing.T) {
	e := boot(t)
	mfr := e.iss.Org(t, auth.Manufacturer, "330100")
	r := newReceiver(t)
	id, secret := e.subscribe(t, mfr.Token, r.url(), domain.AllocationExpiring)
	r.setSecret(secret)
	soon := time.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339Nano) // within the 1 h warning time
	for _, id := range []string{"a1", "a2"} {
		ev := allocation(events.AllocationProposedType, id, "h", mfr.ID, "capacity", 1)
		var a events.Allocation
		_ = ev.Decode(&a)
		a.ExpiresAt = soon
		ev = events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: a}, events.Meta{Subject: id, OrgID: mfr.ID, Item: a.Item})
		e.publish(t, ev)
	}
	e.publish(t, allocation(events.AllocationAcceptedType, "a2", "h", mfr.ID, "capacity", 2))
	testkit.Eventually(t, 10*time.Second, func() bool { return len(r.appliedEvents()) >= 1 }, "expiring warning")
	// Once every event is in, a sweep finds nothing more to warn of: a1
	// was warned once, a2 was accepted.
	testkit.Eventually(t, 10*time.Second, func() bool { return e.m.P.CaughtUp(context.Background()) }, "consumers caught up")
	if n, err := e.m.App.WarnExpiring(context.Background()); n != 0 || err != nil {
		t.Fatalf("a later sweep warned %d (%v)", n, err)
	}
	// The delivery log is written once the receiver has answered: the
	// receiver may have the warning a moment before the log shows it.
	testkit.Eventually(t, 10*time.Second, func() bool { return len(deliveries(t, e, mfr.Token, id)) >= 1 }, "the warning in the delivery log")
	if ds := deliveries(t, e, mfr.Token, id); len(ds) != 1 {
		t.Fatalf("deliveries %v", ds)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return len(r.appliedEvents()) == 1 }, "the warning delivered")
	if got := r.appliedEvents(); !slices.Equal(got, []string{"allocation.expiring a1"}) {
		t.Fatalf("warnings %v", got)
	}
	if reqs, _, _ := r.snapshot(); reqs[0].Body["data"].(map[string]any)["expires_at"] != soon {
		t.Fatalf("the warning says when: %v", reqs[0].Body)
	}
}

// A subscription sent again with its Idempotency-Key after the service
// died between the write and the idempotency record (here: the record is
// deleted) answers the subscription the first try made, secret and all:
// one subscription, signing with the secret both answers gave.
func TestSubscribeRetriedAfterALostIdempotencyRecordSubscribesOnce(t *testing.T) {
	e := boot(t)
	hosp := e.iss.Org(t, auth.Hospital, "420100")
	r := newReceiver(t)
	body := `{"url":"` + r.url() + `","events":["need.stale"]}`
	var first testkit.Response
	for try := range 2 {
		res := testkit.Call(t, e.m.Handler(), e.doc, "POST", "/v1/webhooks", hosp.Token, body, "Idempotency-Key", "subscribe-once")
		if _, err := e.m.P.DB.Collection("idempotency_keys").DeleteMany(context.Background(), bson.D{}); err != nil {
			t.Fatal(err)
		}
		if res.Status != 201 {
			t.Fatalf("subscribe (try %d): %d %s", try+1, res.Status, res.Body)
		}
		if try == 0 {
			first = res
		} else if res.Object()["id"] != first.Object()["id"] || res.Object()["secret"] != first.Object()["secret"] {
			t.Fatalf("the same subscription again answered %s; the first try %s", res.Body, first.Body)
		}
	}
	if ids := listIDs(t, e, hosp.Token); len(ids) != 1 {
		t.Fatalf("%d subscriptions, want 1: %v", len(ids), ids)
	}
	r.setSecret(first.Object()["secret"].(string))
	e.publish(t, events.MustNew("demand", events.NeedStale{NeedID: "n1", HospitalID: hosp.ID, Item: "goggles", Region: "420100", Status: "stale"},
		events.Meta{Subject: "n1", OrgID: hosp.ID, Item: "goggles"}))
	// Signed with the secret both answers gave.
	testkit.Eventually(t, 10*time.Second, func() bool { return len(r.appliedEvents()) == 1 }, "need.stale delivered")
}
