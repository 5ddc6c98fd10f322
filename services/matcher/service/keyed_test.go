package service_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/testkit"
)

// TestKeyedCommandsRetriedAfterALostRecordChangeOnce: a command sent again
// with its Idempotency-Key after the process died between its write and
// its idempotency record (here: the records are deleted after each call)
// changes nothing the second time and answers the allocation as the first
// try left it: a dispatch or a receipt counted once, an accept not refused
// as already accepted, one override allocation, one redirect.
func TestKeyedCommandsRetriedAfterALostRecordChangeOnce(t *testing.T) {
	w := newWorld(t)
	hosp := w.iss.Org(t, "hospital", "420100")
	hosp2 := w.iss.Org(t, "hospital", "420100")
	manu := w.iss.Org(t, "manufacturer", "330100")
	reg := w.iss.Org(t, "regulator", "110000")
	twice := func(method, path string, token testkit.Org, body, key string, want int) map[string]any {
		t.Helper()
		var first string
		for try := range 2 {
			r := w.send(method, path, token.Token, body, "Idempotency-Key", key)
			if _, err := w.m.P.DB.Collection("idempotency_keys").DeleteMany(context.Background(), bson.D{}); err != nil {
				t.Fatal(err)
			}
			if r.Status != want {
				t.Fatalf("%s %s (try %d): %d %s", method, path, try+1, r.Status, r.Body)
			}
			if try == 0 {
				first = r.Object()["id"].(string)
			} else if got := r.Object()["id"]; got != first {
				t.Fatalf("%s %s again answered allocation %v, the first try %s", method, path, got, first)
			}
			if try == 1 {
				return r.Object()
			}
		}
		return nil
	}

	w.need("need_k", hosp, "goggles", 10, "normal")
	w.capacity("cap_k", manu, "goggles", 10, 1)
	id := w.waitAllocations(reg, 1, nil, "an allocation")[0]["id"].(string)
	if a := twice("POST", "/v1/allocations/"+id+"/accept", manu, "", "accept-1", 200); a["status"] != "accepted" {
		t.Fatalf("accepted twice: %v", a)
	}
	if a := twice("POST", "/v1/allocations/"+id+"/dispatch", manu, `{"shipped_quantity":4}`, "dispatch-1", 200); a["shipped_quantity"] != 4.0 {
		t.Fatalf("dispatched twice with one key: %v, want 4 shipped", a)
	}
	if a := twice("POST", "/v1/allocations/"+id+"/receipt", hosp, `{"received_quantity":3}`, "receipt-1", 200); a["received_quantity"] != 3.0 {
		t.Fatalf("received twice with one key: %v, want 3 received", a)
	}
	// The six not shipped go to another hospital, once.
	w.need("need_r", hosp2, "goggles", 10, "critical")
	w.applied(func(a *app.App) bool { _, ok := a.Book.Need("need_r"); return ok }, "need_r recorded")
	to := twice("POST", "/v1/allocations/"+id+"/redirect", reg, `{"need_id":"need_r","reason":"designated hospital out"}`, "redirect-1", 201)
	if to["quantity"] != 6.0 || to["redirected_from"] != id {
		t.Fatalf("redirected twice with one key: %v", to)
	}

	// An override of a need the policy leaves alone (stale), once.
	w.need("need_s", hosp, "protective-suit", 10, "normal")
	w.publish("demand", events.NeedStale{NeedID: "need_s", HospitalID: hosp.ID, Item: "protective-suit", Region: hosp.Region, Status: "stale"},
		events.Meta{Subject: "need_s", OrgID: hosp.ID, Item: "protective-suit"})
	w.applied(func(a *app.App) bool { n, _ := a.Book.Need("need_s"); return n.Status == domain.NeedStale }, "need_s stale")
	w.capacity("cap_s", manu, "protective-suit", 10, 1)
	w.applied(func(a *app.App) bool { _, ok := a.Book.Offer("cap_s"); return ok }, "cap_s recorded")
	twice("POST", "/v1/allocations", reg, `{"need_id":"need_s","source_kind":"capacity","source_id":"cap_s","quantity":4,"reason":"confirmed by phone"}`, "override-1", 201)

	var overrides, redirects int
	for _, a := range w.list(reg.Token, "?limit=200") {
		switch {
		case a["need_id"] == "need_s":
			overrides++
		case a["redirected_from"] == id:
			redirects++
		}
	}
	if overrides != 1 || redirects != 1 {
		t.Fatalf("%d override and %d redirect allocations, want one each", overrides, redirects)
	}
	if left := w.m.App.Book.OfferRemaining("cap_s"); left != 6 {
		t.Fatalf("cap_s has %d left, want 6", left)
	}
}
