package faults_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// report is a capacity report the client sent: manufacturer (an index
// into world.manufacturers), item and units available, and the capacity
// its 2xx named.
type report struct {
	sent
	Manufacturer int
	Item         string
	Available    int64
	CapacityID   string
}

// pledge is a donation the client sent (one line) and what its 2xx named.
// Its public name is its Idempotency-Key, so the checker can count what
// each key created in the audit log.
type pledge struct {
	sent
	Item             string
	Quantity         int64
	ID, TrackingCode string
}

// org is an organization the operator registered: its name (unique per
// scenario) and the id and token its 2xx gave.
type org struct {
	sent
	Name      string
	ID, Token string
}

// grant is a further token the operator asked for an organization.
type grant struct {
	sent
	OrgID, TokenID, Token string
}

func (c *client) reportCapacity(w world, m int, key, item string, available int64) report {
	r := report{Manufacturer: m, Item: item, Available: available}
	r.sent = c.send(http.MethodPut, "/v1/capacity/"+item, w.manufacturers[m], key,
		map[string]any{"available_now": available, "daily_rate": 1000, "lead_time_days": 0})
	r.CapacityID = r.named().ID
	return r
}

func (c *client) registerOrg(operator, key, name, role, region string) org {
	o := org{Name: name}
	o.sent = c.send(http.MethodPost, "/v1/orgs", operator, key, map[string]any{"name": name, "role": role, "region": region, "facility_type": facility(role)})
	n := o.named()
	o.ID, o.Token = n.ID, n.Token
	return o
}

func (c *client) issueToken(operator, key, orgID string) grant {
	g := grant{OrgID: orgID}
	g.sent = c.send(http.MethodPost, "/v1/orgs/"+orgID+"/tokens", operator, key, nil)
	n := g.named()
	g.TokenID, g.Token = n.TokenID, n.Token
	return g
}

func (c *client) pledge(donor, key, item string, quantity int64) pledge {
	p := pledge{Item: item, Quantity: quantity}
	p.sent = c.send(http.MethodPost, "/v1/donations", donor, key,
		map[string]any{"items": []map[string]any{{"item": item, "quantity": quantity}}, "public_name": key})
	n := p.named()
	p.ID, p.TrackingCode = n.ID, n.TrackingCode
	return p
}

// delivery is one webhook request notify made.
type delivery struct {
	ID           string // Aidflow-Delivery: the same on every retry
	Type         string
	AllocationID string
}

// receiver is the hospitals' webhook endpoint, in the test process: it
// keeps every delivery and answers 204.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []delivery
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var n struct {
			Type string `json:"type"`
			Data struct {
				AllocationID string `json:"allocation_id"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &n)
		r.mu.Lock()
		r.got = append(r.got, delivery{ID: req.Header.Get("Aidflow-Delivery"), Type: n.Type, AllocationID: n.Data.AllocationID})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// subscribe has every hospital told of its allocations by webhook.
func subscribe(t *testing.T, api *client, w world, r *receiver) {
	t.Helper()
	for i, h := range w.hospitals {
		code, raw, _ := api.write(http.MethodPost, "/v1/webhooks", h, fmt.Sprintf("hook-%d", i),
			map[string]any{"url": r.srv.URL + "/hooks", "events": []string{"need.allocated"}})
		if code != http.StatusCreated {
			t.Fatalf("subscribe hospital %d: %d %s", i, code, raw)
		}
	}
}

// The mixed workload's size beside its 40 needs: enough writes of each
// kind that a failpoint at the 5th write of any service is reached.
const (
	mixedReports   = 12 // per manufacturer 6, over its 4 items
	mixedDonations = 10
	mixedOrgs      = 6 // each with a second token
)

// mixed is the workload of the failpoint scenarios: the hospitals
// subscribe to webhooks; then, at once, 40 needs from 4 workers, and
// capacity reports (each manufacturer in order, raising its numbers so no
// report falls below what is reserved), donations, and organizations with
// a second token, each write with its own Idempotency-Key and retried like
// the needs; and a reader of the public checkpoint, which signs one
// whenever the log grew, so the audit service writes and publishes too.
func mixed(prefix string) func(c *cluster, api *client, w world, l *ledger) {
	return func(c *cluster, api *client, w world, l *ledger) {
		t := c.t
		l.hooks = newReceiver(t)
		subscribe(t, api, w, l.hooks)
		var wg sync.WaitGroup
		done := make(chan struct{})
		run := func(f func()) {
			wg.Add(1)
			go func() { defer wg.Done(); f() }()
		}
		run(func() { postNeeds(t, api, w, l, prefix, 40, 4, 0, nil) })
		for m := range w.manufacturers {
			run(func() {
				for i := range mixedReports / len(w.manufacturers) {
					r := api.reportCapacity(w, m, fmt.Sprintf("%s-cap-%d-%d", prefix, m, i), items[i%len(items)], capacityPerItem+int64(10*(i+1)))
					promise(t, l, &l.reports, r, r.sent, http.StatusOK)
				}
			})
		}
		run(func() {
			for i := range mixedDonations {
				p := api.pledge(w.donor, fmt.Sprintf("%s-don-%02d", prefix, i), items[i%len(items)], int64(20*(i+1)))
				promise(t, l, &l.donations, p, p.sent, http.StatusCreated)
			}
		})
		run(func() {
			for i := range mixedOrgs {
				key := fmt.Sprintf("%s-org-%d", prefix, i)
				o := api.registerOrg(c.Operator, key, "Fault org "+key, "donor", regions[i%len(regions)])
				if promise(t, l, &l.orgs, o, o.sent, http.StatusCreated) {
					g := api.issueToken(c.Operator, key+"-token", o.ID)
					promise(t, l, &l.tokens, g, g.sent, http.StatusCreated)
				}
			}
		})
		go func() {
			for {
				select {
				case <-done:
					return
				case <-time.After(250 * time.Millisecond):
					_, _, _ = api.do(http.MethodGet, "/v1/public/checkpoint", "", "", nil)
				}
			}
		}()
		wg.Wait()
		close(done)
	}
}
