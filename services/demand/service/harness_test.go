package service_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
	"github.com/aidflow/aidflow/services/demand/ports"
	"github.com/aidflow/aidflow/services/demand/service"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// wait bounds every poll: the embedded servers answer in milliseconds, so
// this only matters when something is broken.
const wait = 10 * time.Second

// harness is the demand service booted for real on embedded NATS and the
// embedded store, driven over HTTP; the matcher and registry are faked by
// publishing their events on the bus.
type harness struct {
	t    *testing.T
	cfg  service.Config
	m    *service.Main
	stop func() // stops the running service (also done when the test ends)
	iss  *testkit.Issuer
	api  *conform.Checker
	bus  *bus.Bus // the fake neighbours' connection

	published *testkit.Recorder // the demand stream, as consumers see it
}

func start(t *testing.T, tune ...func(*service.Config)) *harness {
	t.Helper()
	iss := testkit.NewIssuer(t)
	cfg := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss), StaleSchedule: service.StaleScheduleOff}
	for _, f := range tune {
		f(&cfg)
	}
	h := &harness{t: t, cfg: cfg, iss: iss, api: testkit.Checker(t, service.Name)}
	h.boot()
	h.bus = testkit.Bus(t, cfg.Platform.NATSURL)
	h.published = testkit.Record(t, h.bus, service.Name, nil)
	return h
}

// boot opens and runs the service on h.cfg; it stops when the test ends.
func (h *harness) boot() {
	h.t.Helper()
	h.m, h.stop = testkit.Open(h.t, service.Open, h.cfg)
}

// restart stops the running service and boots a new one on the same
// database and NATS.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.boot()
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func (r response) need(t *testing.T) ports.NeedJSON {
	t.Helper()
	return testkit.Decode[ports.NeedJSON](t, r.body)
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (r response) problem(t *testing.T) problem {
	t.Helper()
	return testkit.Decode[problem](t, r.body)
}

type list struct {
	Items []ports.NeedJSON `json:"items"`
	Next  string           `json:"next"`
}

func (r response) list(t *testing.T) list {
	t.Helper()
	return testkit.Decode[list](t, r.body)
}

type stockList struct {
	Items []ports.StockReportJSON `json:"items"`
	Next  string                  `json:"next"`
}

func (r response) stockList(t *testing.T) stockList {
	t.Helper()
	return testkit.Decode[stockList](t, r.body)
}

// do sends a request and checks the answer against the service's OpenAPI
// document, so a shape the document does not promise fails the test.
func (h *harness) do(method, path, token, body string, header ...string) response {
	h.t.Helper()
	r := testkit.Call(h.t, h.m.Handler(), h.api, method, path, token, body, header...)
	return response{status: r.Status, body: r.Body, header: r.Header}
}

func (h *harness) org(role, region string) testkit.Org {
	return h.iss.Org(h.t, role, region)
}

// publish fakes a neighbour's event on the bus.
func (h *harness) publish(source string, data events.Payload, m events.Meta) events.Envelope {
	h.t.Helper()
	e := events.MustNew(source, data, m)
	testkit.Publish(h.t, h.bus, e)
	return e
}

// allocation publishes the matcher's snapshot of an allocation to need n.
func (h *harness) allocation(typ string, n ports.NeedJSON, id string, version, qty int64, status string, shipped, received, damaged int64) {
	h.t.Helper()
	h.publish("matcher", events.AllocationEvent{Type: typ, Allocation: events.Allocation{
		AllocationID: id, Version: version, NeedID: n.ID, HospitalID: n.HospitalID, HospitalRegion: n.Region,
		Item: n.Item, Quantity: qty, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_man1", SourceRegion: "330100",
		Status: status, ShippedQuantity: shipped, ReceivedQuantity: received, DamagedQuantity: damaged,
		DecidedBy: "policy-v1", Reason: "test", CreatedAt: time.Now().UTC().Format(time.RFC3339), UpdatedAt: time.Now().UTC().Format(time.RFC3339),
	}}, events.Meta{Subject: id, OrgID: "org_man1", Item: n.Item})
}

// eventually polls GET /v1/needs/{id} as token until cond holds.
func (h *harness) eventually(id, token string, cond func(ports.NeedJSON) bool, what string) ports.NeedJSON {
	h.t.Helper()
	var last ports.NeedJSON
	testkit.Eventually(h.t, wait, func() bool {
		r := h.do("GET", "/v1/needs/"+id, token, "")
		if r.status != http.StatusOK {
			return false
		}
		last = r.need(h.t)
		return cond(last)
	}, what)
	return last
}

// event waits for the demand event of type typ about subject and returns it.
func (h *harness) event(typ, subject string) events.Envelope {
	h.t.Helper()
	var found events.Envelope
	testkit.Eventually(h.t, wait, func() bool {
		for _, e := range h.published.Events() {
			if e.Type == typ && e.Subject == subject {
				found = e
				return true
			}
		}
		return false
	}, "event %s about %s", typ, subject)
	return found
}

func (h *harness) count(typ, subject string) int {
	n := 0
	for _, e := range h.published.Events() {
		if e.Type == typ && e.Subject == subject {
			n++
		}
	}
	return n
}

func needBody(item string, qty int) string {
	b, _ := json.Marshal(map[string]any{"item": item, "quantity": qty, "urgency": "critical",
		"needed_by": time.Now().In(time.FixedZone("UTC+8", 8*3600)).AddDate(0, 0, 5).Format("2006-01-02"),
		"note":      "ICU, ward 3; call Dr. Wang at 13800000000"})
	return string(b)
}

func (h *harness) post(token, item string, qty int) ports.NeedJSON {
	h.t.Helper()
	r := h.do("POST", "/v1/needs", token, needBody(item, qty))
	if r.status != http.StatusCreated {
		h.t.Fatalf("post: %d %s", r.status, r.body)
	}
	return r.need(h.t)
}

// revoke fakes the registry revoking a token.
func (h *harness) revoke(o testkit.Org) {
	h.publish("registry", events.TokenRevoked{TokenID: o.TokenID, OrgID: o.ID}, events.Meta{Subject: o.TokenID, OrgID: o.ID})
}
