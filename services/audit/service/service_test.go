package service_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
	"github.com/aidflow/aidflow/services/audit/adapters/mongo"
	"github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/services/audit/service"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/bus"
	"github.com/aidflow/aidflow/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

type harness struct {
	t       *testing.T
	cfg     service.Config
	m       *service.Main
	stop    func()
	bus     *bus.Bus
	checker *conform.Checker
	iss     *testkit.Issuer
}

func start(t *testing.T) *harness {
	t.Helper()
	iss := testkit.NewIssuer(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss), SigningKey: key, CheckpointEvery: time.Hour}
	cfg.Platform.HTTPAddr = ""
	h := &harness{t: t, cfg: cfg, iss: iss}
	h.boot()
	h.bus = testkit.Bus(t, cfg.Platform.NATSURL)
	h.checker = testkit.Checker(t, service.Name)
	return h
}

// boot opens and runs the service until the test ends (or stop is called).
func (h *harness) boot() {
	h.t.Helper()
	h.m, h.stop = testkit.Open(h.t, service.Open, h.cfg)
}

func (h *harness) publish(evs ...events.Envelope) {
	h.t.Helper()
	testkit.Publish(h.t, h.bus, evs...)
}

// get calls the service and checks the answer against its OpenAPI document.
func (h *harness) get(path, token string) (int, []byte) {
	h.t.Helper()
	r := testkit.Call(h.t, h.m.Handler(), h.checker, http.MethodGet, path, token, "")
	return r.Status, r.Body
}

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// flow is a thin flow's events from four services, in time order.
func flow() []events.Envelope {
	meta := func(subject, org, item string, min int) events.Meta {
		return events.Meta{Subject: subject, OrgID: org, Item: item, Time: t0.Add(time.Duration(min) * time.Minute)}
	}
	return []events.Envelope{
		events.MustNew("registry", events.OrgRegistered{OrgID: "org_h1", Name: "Wuhan Union Hospital", Role: "hospital", Region: "420100", FacilityType: "designated"}, meta("org_h1", "org_h1", "", 0)),
		events.MustNew("registry", events.OrgRegistered{OrgID: "org_m1", Name: "Hangzhou Masks Ltd", Role: "manufacturer", Region: "330100"}, meta("org_m1", "org_m1", "", 1)),
		events.MustNew("demand", events.NeedPosted{NeedID: "need_1", HospitalID: "org_h1", Item: "n95-respirator", Quantity: 1000, Urgency: "critical", NeededBy: "2026-03-08", AcceptedStandards: []string{"GB 19083"}, Region: "420100"}, meta("need_1", "org_h1", "n95-respirator", 2)),
		events.MustNew("supply", events.CapacityReported{CapacityID: "cap_1", ManufacturerID: "org_m1", Item: "n95-respirator", Region: "330100", AvailableNow: 5000, DailyRate: 100, LeadTimeDays: 1, Standard: "GB 19083", Revision: 1}, meta("cap_1", "org_m1", "n95-respirator", 3)),
		events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationProposedType, Allocation: events.Allocation{AllocationID: "alloc_1", Version: 1, NeedID: "need_1", HospitalID: "org_h1", HospitalRegion: "420100", Item: "n95-respirator", Quantity: 1000, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", SourceRegion: "330100", Status: "proposed", DecidedBy: "policy-v1", Reason: "nearest source"}}, meta("alloc_1", "org_m1", "n95-respirator", 4)),
	}
}

func TestAuditComponent(t *testing.T) {
	h := start(t)
	evs := flow()
	h.publish(evs...)
	// The same event again under another message id gets past JetStream's
	// duplicate window; the log still records it once.
	raw, _ := json.Marshal(evs[2])
	if err := h.bus.PublishRaw(t.Context(), evs[2].NATSSubject(), "another-msg-id", raw); err != nil {
		t.Fatal(err)
	}
	marker := events.MustNew("donation", events.DonationPledged{DonationID: "don_1", DonorID: "org_d1", Region: "310000", Lines: []events.DonationLine{{OfferID: "don_1/0", Item: "goggles", Quantity: 10, Standard: "GB 14866"}}}, events.Meta{Subject: "don_1", OrgID: "org_d1", Item: "goggles", Time: t0.Add(5 * time.Minute)})
	h.publish(marker)
	testkit.Eventually(t, 10*time.Second, func() bool { return h.m.App.Size() >= 6 && h.m.P.CaughtUp(context.Background()) }, "every event recorded")
	if got := h.m.App.Size(); got != 6 {
		t.Fatalf("log size %d, want 6 (one record per event)", got)
	}

	regulator := h.iss.Org(t, auth.Regulator, "110000").Token
	hospital := h.iss.Org(t, auth.Hospital, "420100").Token
	manufacturer := h.iss.Org(t, auth.Manufacturer, "330100").Token
	donor := h.iss.Org(t, auth.Donor, "310000").Token

	t.Run("authorization", func(t *testing.T) {
		for _, path := range []string{"/v1/audit/events", "/v1/audit/verify", "/v1/audit/orgs/org_h1/events", "/v1/audit/proof/inclusion?index=0", "/v1/audit/proof/consistency?from=1"} {
			for _, tt := range []struct {
				who, token string
				want       int
			}{
				{"no token", "", http.StatusUnauthorized},
				{"bad token", "aft1.garbage.sig", http.StatusUnauthorized},
				{"hospital", hospital, http.StatusForbidden},
				{"manufacturer", manufacturer, http.StatusForbidden},
				{"donor", donor, http.StatusForbidden},
				{"regulator", regulator, http.StatusOK},
			} {
				if code, body := h.get(path, tt.token); code != tt.want {
					t.Errorf("GET %s as %s = %d %s, want %d", path, tt.who, code, body, tt.want)
				}
			}
		}
		for _, token := range []string{"", hospital, regulator} {
			for _, path := range []string{"/v1/public/checkpoint", "/v1/audit/checkpoints"} {
				if code, body := h.get(path, token); code != http.StatusOK {
					t.Errorf("%s with token %q = %d %s", path, token, code, body)
				}
			}
		}
	})

	type item struct {
		Index int64           `json:"index"`
		ID    string          `json:"id"`
		Type  string          `json:"type"`
		OrgID string          `json:"org_id"`
		Data  json.RawMessage `json:"data"`
	}
	type page struct {
		Items []item `json:"items"`
		Next  string `json:"next"`
	}
	t.Run("events", func(t *testing.T) {
		_, body := h.get("/v1/audit/events", regulator)
		all := testkit.Decode[page](t, body)
		if len(all.Items) != 6 || all.Next != "" {
			t.Fatalf("all events: %d items, next %q", len(all.Items), all.Next)
		}
		ids := map[string]bool{}
		for i, it := range all.Items {
			if it.Index != int64(i) || ids[it.ID] {
				t.Fatalf("item %d: %+v (want log order, each event once)", i, it)
			}
			ids[it.ID] = true
		}
		// Paginate two at a time with the cursor.
		var got []string
		next := ""
		for range 10 {
			_, body := h.get("/v1/audit/events?limit=2&cursor="+url.QueryEscape(next), regulator)
			p := testkit.Decode[page](t, body)
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if next = p.Next; next == "" {
				break
			}
		}
		if len(got) != 6 {
			t.Fatalf("paginated %d events, want 6", len(got))
		}
		for _, tt := range []struct {
			query string
			want  int
		}{
			{"type=" + events.OrgRegisteredType, 2},
			{"org_id=org_m1", 3},
			{"org_id=org_m1&type=" + events.CapacityReportedType, 1},
			{"item=goggles", 1},
			{"since=" + url.QueryEscape(t0.Add(4*time.Minute).Format(time.RFC3339)), 2},
			{"org_id=nobody", 0},
			{"region=420100", 3},
			{"region=330000", 3},
			{"region=420100&type=" + events.NeedPostedType + "&item=n95-respirator", 1},
			{"until=" + url.QueryEscape(t0.Add(2*time.Minute).Format(time.RFC3339)), 2},
		} {
			_, body := h.get("/v1/audit/events?"+tt.query, regulator)
			if p := testkit.Decode[page](t, body); len(p.Items) != tt.want {
				t.Errorf("?%s: %d items, want %d", tt.query, len(p.Items), tt.want)
			}
		}
		for _, tt := range []struct {
			query string
			want  int
		}{
			{"since=yesterday", http.StatusUnprocessableEntity},
			{"until=tomorrow", http.StatusUnprocessableEntity},
			{"region=999999", http.StatusUnprocessableEntity},
			{"cursor=%21%21", http.StatusBadRequest},
			{"limit=many", http.StatusBadRequest},
		} {
			if code, body := h.get("/v1/audit/events?"+tt.query, regulator); code != tt.want {
				t.Errorf("?%s = %d %s, want %d", tt.query, code, body, tt.want)
			}
		}
	})

	t.Run("organization history", func(t *testing.T) {
		for _, tt := range []struct {
			path string
			want []int // the flow's events, by position
		}{
			{"/v1/audit/orgs/org_h1/events", []int{0, 2, 4}},
			{"/v1/audit/orgs/org_m1/events", []int{1, 3, 4}},
			{"/v1/audit/orgs/org_m1/events?type=" + events.CapacityReportedType, []int{3}},
			{"/v1/audit/orgs/org_d1/events", []int{5}},
			{"/v1/audit/orgs/nobody/events", nil},
		} {
			_, body := h.get(tt.path, regulator)
			var got []string
			for _, it := range testkit.Decode[page](t, body).Items {
				got = append(got, it.ID)
			}
			var want []string
			for _, i := range tt.want {
				want = append(want, append(evs, marker)[i].ID)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", tt.path, got, want)
			}
		}
	})

	t.Run("checkpoint", func(t *testing.T) {
		_, body := h.get("/v1/public/checkpoint", "")
		cp := testkit.Decode[struct {
			Origin    string `json:"origin"`
			Size      int64  `json:"size"`
			RootHash  string `json:"root_hash"`
			Signature string `json:"signature"`
			Note      string `json:"note"`
			Key       string `json:"key"`
		}](t, body)
		if cp.Size != 6 || cp.Origin != "aidflow.audit" || cp.Signature == "" {
			t.Fatalf("checkpoint %+v; want size 6", cp)
		}
		v, err := note.NewVerifier(cp.Key)
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open([]byte(cp.Note), note.VerifierList(v))
		if err != nil {
			t.Fatalf("note.Open: %v", err)
		}
		if want := fmt.Sprintf("aidflow.audit\n6\n%s\n", cp.RootHash); n.Text != want {
			t.Fatalf("signed body %q, want %q", n.Text, want)
		}
		_, body = h.get("/v1/audit/verify", regulator)
		if v := testkit.Decode[struct {
			OK       bool   `json:"ok"`
			RootHash string `json:"root_hash"`
		}](t, body); !v.OK || v.RootHash != cp.RootHash {
			t.Fatalf("verify %s; want ok with the checkpoint's root %s", body, cp.RootHash)
		}
		// Every checkpoint is announced on the audit stream.
		var mu sync.Mutex
		var sizes []int64
		f, err := h.bus.Follow(t.Context(), "audit", []string{events.CheckpointSignedType}, func(e events.Envelope) {
			var d events.CheckpointSigned
			if e.Decode(&d) == nil {
				mu.Lock()
				sizes = append(sizes, d.Size)
				mu.Unlock()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Stop()
		testkit.Eventually(t, 10*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(sizes) > 0 && sizes[len(sizes)-1] == 6
		}, "checkpoint_signed of size 6 published")
	})

	t.Run("proofs", func(t *testing.T) {
		type cpJSON struct {
			Size int64  `json:"size"`
			Note string `json:"note"`
			Key  string `json:"key"`
		}
		open := func(cp cpJSON) domain.Checkpoint {
			t.Helper()
			got, err := domain.OpenCheckpoint([]byte(cp.Note), cp.Key)
			if err != nil || got.Size != cp.Size {
				t.Fatalf("checkpoint %+v does not open: %v", cp, err)
			}
			return got
		}
		_, body := h.get("/v1/audit/proof/inclusion?event_id="+url.QueryEscape(evs[2].ID), regulator)
		inc := testkit.Decode[struct {
			Index      int64    `json:"index"`
			Record     []byte   `json:"record"`
			TreeSize   int64    `json:"tree_size"`
			Proof      []string `json:"proof"`
			Checkpoint cpJSON   `json:"checkpoint"`
		}](t, body)
		cp := open(inc.Checkpoint)
		if err := tlog.CheckRecord(parseHashes(t, inc.Proof), cp.Size, cp.Root, inc.Index, tlog.RecordHash(inc.Record)); err != nil || cp.Size != 6 {
			t.Fatalf("inclusion proof %s: %v", body, err)
		}
		if e := testkit.Decode[events.Envelope](t, inc.Record); e.ID != evs[2].ID {
			t.Fatalf("proved record is %s, want %s", e.ID, evs[2].ID)
		}
		_, body = h.get("/v1/audit/proof/consistency?from=2&to=6", regulator)
		con := testkit.Decode[struct {
			From, To int64
			Proof    []string `json:"proof"`
			To6      cpJSON   `json:"to_checkpoint"`
		}](t, body)
		_, body = h.get("/v1/audit/events?limit=2", regulator)
		first := testkit.Decode[page](t, body)
		var leaves []tlog.Hash
		for _, it := range first.Items {
			_, b := h.get(fmt.Sprintf("/v1/audit/proof/inclusion?index=%d", it.Index), regulator)
			leaves = append(leaves, tlog.RecordHash(testkit.Decode[struct {
				Record []byte `json:"record"`
			}](t, b).Record))
		}
		root2 := tlog.NodeHash(leaves[0], leaves[1])
		cp = open(con.To6)
		if err := tlog.CheckTree(parseHashes(t, con.Proof), cp.Size, cp.Root, 2, root2); err != nil {
			t.Fatalf("consistency proof 2→6: %v", err)
		}
		_, body = h.get("/v1/audit/checkpoints", "")
		list := testkit.Decode[struct {
			Items []cpJSON `json:"items"`
		}](t, body)
		if len(list.Items) == 0 || list.Items[len(list.Items)-1].Size != 6 {
			t.Fatalf("checkpoint history %s; want it to end at size 6", body)
		}
		for _, cp := range list.Items {
			open(cp)
		}
		for _, tt := range []struct {
			query string
			want  int
		}{
			{"inclusion", http.StatusUnprocessableEntity},
			{"inclusion?event_id=evt_nobody", http.StatusNotFound},
			{"inclusion?index=6&size=6", http.StatusUnprocessableEntity},
			{"inclusion?index=-1", http.StatusUnprocessableEntity},
			{"inclusion?index=0&size=1000", http.StatusNotFound},
			{"consistency", http.StatusUnprocessableEntity},
			{"consistency?from=7&to=6", http.StatusUnprocessableEntity},
			{"consistency?from=1&to=1000", http.StatusNotFound},
		} {
			if code, body := h.get("/v1/audit/proof/"+tt.query, regulator); code != tt.want {
				t.Errorf("%s = %d %s, want %d", tt.query, code, body, tt.want)
			}
		}
	})

	t.Run("tampering is detected", func(t *testing.T) {
		// Streams interleave; find where the need was recorded.
		_, body := h.get("/v1/audit/events?type="+events.NeedPostedType, regulator)
		needs := testkit.Decode[page](t, body)
		if len(needs.Items) != 1 {
			t.Fatalf("need records: %s", body)
		}
		bad := needs.Items[0].Index
		db := testkit.MongoClient(t, h.cfg.Platform.MongoURI).Database(h.cfg.Platform.MongoDB)
		records := db.Collection(mongo.Records)
		var doc struct {
			Envelope string `bson:"envelope"`
		}
		if err := records.FindOne(t.Context(), bson.D{{Key: "_id", Value: mongo.Key(bad)}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		forged := strings.Replace(doc.Envelope, `"quantity":1000`, `"quantity":100`, 1)
		if forged == doc.Envelope {
			t.Fatalf("record %d is not the need: %s", bad, doc.Envelope)
		}
		if _, err := records.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: mongo.Key(bad)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "envelope", Value: forged}}}}); err != nil {
			t.Fatal(err)
		}
		_, body = h.get("/v1/audit/verify", regulator)
		v := testkit.Decode[struct {
			OK            bool   `json:"ok"`
			Size          int64  `json:"size"`
			Checked       int64  `json:"checked"`
			FirstBadIndex *int64 `json:"first_bad_index"`
		}](t, body)
		if v.OK || v.Size != 6 || v.Checked != bad || v.FirstBadIndex == nil || *v.FirstBadIndex != bad {
			t.Fatalf("verify after tampering: %s; want not ok, first bad index %d", body, bad)
		}
	})
}

func parseHashes(t *testing.T, in []string) []tlog.Hash {
	t.Helper()
	out := make([]tlog.Hash, len(in))
	for i, s := range in {
		h, err := tlog.ParseHash(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = h
	}
	return out
}

func TestAuditRestartKeepsTheLog(t *testing.T) {
	h := start(t)
	evs := flow()
	h.publish(evs[:3]...)
	testkit.Eventually(t, 10*time.Second, func() bool { return h.m.App.Size() == 3 }, "3 events recorded")
	before, err := h.m.App.SignCheckpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h.stop()
	h.boot()
	if got := h.m.App.Size(); got != 3 {
		t.Fatalf("after restart size %d, want 3", got)
	}
	if cp, err := h.m.App.LatestCheckpoint(t.Context()); err != nil || cp.Size != before.Size || cp.Root != before.Root {
		t.Fatalf("latest checkpoint after restart %+v, %v", cp, err)
	}
	h.publish(evs[3:]...)
	testkit.Eventually(t, 10*time.Second, func() bool { return h.m.App.Size() == 5 }, "the rest recorded")
	v, err := h.m.App.VerifyLog(t.Context())
	if err != nil || !v.OK || v.Size != 5 {
		t.Fatalf("verify %+v, %v", v, err)
	}
}

func TestLoadConfig(t *testing.T) {
	skey, _, err := note.GenerateKey(rand.Reader, "aidflow.audit")
	if err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signs := func(every, anomaly time.Duration) func(service.Config) bool {
		return func(c service.Config) bool {
			return c.SigningKey != nil && c.KeyName == "aidflow.audit" && c.CheckpointEvery == every && c.AnomalyEvery == anomaly
		}
	}
	testkit.ConfigCases(t, service.LoadConfig, testkit.PlatformEnv(t), []testkit.ConfigCase[service.Config]{
		{Name: "note key", Env: map[string]string{"AIDFLOW_AUDIT_SIGNING_KEY": skey}, Check: signs(time.Minute, service.DefaultAnomalyEvery)},
		{Name: "seed and schedule", Env: map[string]string{"AIDFLOW_AUDIT_SIGNING_KEY": auth.EncodePrivateKey(priv), "AIDFLOW_CHECKPOINT_EVERY": "10s"},
			Check: signs(10*time.Second, service.DefaultAnomalyEvery)},
		{Name: "missing key", Env: map[string]string{}, WantErr: "AIDFLOW_AUDIT_SIGNING_KEY"},
		{Name: "bad key", Env: map[string]string{"AIDFLOW_AUDIT_SIGNING_KEY": "secret"}, WantErr: "AIDFLOW_AUDIT_SIGNING_KEY"},
		{Name: "bad schedule", Env: map[string]string{"AIDFLOW_AUDIT_SIGNING_KEY": skey, "AIDFLOW_CHECKPOINT_EVERY": "often"}, WantErr: "AIDFLOW_CHECKPOINT_EVERY"},
		{Name: "schedule too fast", Env: map[string]string{"AIDFLOW_AUDIT_SIGNING_KEY": skey, "AIDFLOW_CHECKPOINT_EVERY": "10ms"}, WantErr: "AIDFLOW_CHECKPOINT_EVERY"},
		{Name: "anomaly schedule", Env: map[string]string{"AIDFLOW_AUDIT_SIGNING_KEY": skey, "AIDFLOW_ANOMALY_EVERY": "1m"}, Check: signs(time.Minute, time.Minute)},
		{Name: "anomaly schedule too fast", Env: map[string]string{"AIDFLOW_AUDIT_SIGNING_KEY": skey, "AIDFLOW_ANOMALY_EVERY": "1ms"}, WantErr: "AIDFLOW_ANOMALY_EVERY"},
	}...)
}

func TestLoadConfigThresholds(t *testing.T) {
	skey, _, err := note.GenerateKey(rand.Reader, "aidflow.audit")
	if err != nil {
		t.Fatal(err)
	}
	base := testkit.PlatformEnv(t)
	base["AIDFLOW_AUDIT_SIGNING_KEY"] = skey
	all := domain.Thresholds{DispatchWithin: 24 * time.Hour, ReceiptWithin: 96 * time.Hour, ShortReceipt: 0.1, PriceFactor: 2.5, MinPrices: 5,
		ShipPledgeWithin: 3 * 24 * time.Hour, IdleFor: 36 * time.Hour, UseWindow: 7 * 24 * time.Hour, UseFactor: 4}
	thresholds := func(want domain.Thresholds) func(service.Config) bool {
		return func(c service.Config) bool { return c.Thresholds == want }
	}
	testkit.ConfigCases(t, service.LoadConfig, base, []testkit.ConfigCase[service.Config]{
		{Name: "defaults", Check: thresholds(domain.DefaultThresholds)},
		{Name: "every one set", Env: map[string]string{
			service.EnvAcceptedNotDispatched: "24h", service.EnvDispatchedNoReceipt: "96h", service.EnvShortReceipt: "0.1",
			service.EnvPriceFactor: "2.5", service.EnvPriceMinSources: "5", service.EnvPledgeNotShipped: "72h",
			service.EnvSupplyIdle: "36h", service.EnvOverUseWindow: "168h", service.EnvOverUseFactor: "4",
		}, Check: thresholds(all)},
		{Name: "bad duration", Env: map[string]string{service.EnvAcceptedNotDispatched: "two days"}, WantErr: service.EnvAcceptedNotDispatched},
		{Name: "duration too short", Env: map[string]string{service.EnvDispatchedNoReceipt: "30s"}, WantErr: service.EnvDispatchedNoReceipt},
		{Name: "pledge duration too short", Env: map[string]string{service.EnvPledgeNotShipped: "0s"}, WantErr: service.EnvPledgeNotShipped},
		{Name: "idle duration too short", Env: map[string]string{service.EnvSupplyIdle: "1s"}, WantErr: service.EnvSupplyIdle},
		{Name: "short receipt not a number", Env: map[string]string{service.EnvShortReceipt: "5%"}, WantErr: service.EnvShortReceipt},
		{Name: "short receipt of one", Env: map[string]string{service.EnvShortReceipt: "1"}, WantErr: service.EnvShortReceipt},
		{Name: "short receipt negative", Env: map[string]string{service.EnvShortReceipt: "-0.1"}, WantErr: service.EnvShortReceipt},
		{Name: "price factor of one", Env: map[string]string{service.EnvPriceFactor: "1"}, WantErr: service.EnvPriceFactor},
		{Name: "one price", Env: map[string]string{service.EnvPriceMinSources: "1"}, WantErr: service.EnvPriceMinSources},
		{Name: "prices not whole", Env: map[string]string{service.EnvPriceMinSources: "2.5"}, WantErr: service.EnvPriceMinSources},
		{Name: "window under a day", Env: map[string]string{service.EnvOverUseWindow: "12h"}, WantErr: service.EnvOverUseWindow},
		{Name: "use factor zero", Env: map[string]string{service.EnvOverUseFactor: "0"}, WantErr: service.EnvOverUseFactor},
	}...)
	if len(service.ThresholdEnv) != 9 {
		t.Fatalf("ThresholdEnv lists %d variables, want one per number (9)", len(service.ThresholdEnv))
	}
}

func TestAuditAnomalies(t *testing.T) {
	h := start(t)
	meta := func(subject, org string, hours int) events.Meta {
		return events.Meta{Subject: subject, OrgID: org, Item: "n95-respirator", Time: t0.Add(time.Duration(hours) * time.Hour)}
	}
	a := events.Allocation{AllocationID: "alloc_1", Version: 2, NeedID: "need_1", HospitalID: "org_h1", HospitalRegion: "420100", Item: "n95-respirator",
		Quantity: 1000, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", SourceRegion: "330100", Status: "accepted"}
	var evs []events.Envelope
	// Accepted long before now (the test's clock is the real one): late.
	evs = append(evs, events.MustNew("matcher", events.AllocationEvent{Type: events.AllocationAcceptedType, Allocation: a}, meta("alloc_1", "org_h1", 0)))
	for i, price := range []int64{100, 110, 120, 1000} {
		id := fmt.Sprintf("cap_%d", i)
		org := fmt.Sprintf("org_m%d", i)
		evs = append(evs, events.MustNew("supply", events.CapacityReported{CapacityID: id, ManufacturerID: org, Item: "n95-respirator", Region: "330100", AvailableNow: 10, Revision: 1, UnitPrice: price}, meta(id, org, 1)))
	}
	h.publish(evs...)
	testkit.Eventually(t, 10*time.Second, func() bool { return h.m.App.Size() == int64(len(evs)) }, "events recorded")
	raised, err := h.m.App.RaiseAnomalies(t.Context())
	if err != nil || len(raised) != 2 {
		t.Fatalf("raised %+v, %v; want 2", raised, err)
	}
	// Each anomaly_raised event comes back through the bus into the log.
	testkit.Eventually(t, 10*time.Second, func() bool { return h.m.App.Size() == int64(len(evs))+2 }, "anomalies recorded in the log")
	if again, err := h.m.App.RaiseAnomalies(t.Context()); err != nil || len(again) != 0 {
		t.Fatalf("raised again: %+v, %v", again, err)
	}

	regulator := h.iss.Org(t, auth.Regulator, "110000").Token
	for _, tt := range []struct {
		who, token string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"hospital", h.iss.Org(t, auth.Hospital, "420100").Token, http.StatusForbidden},
		{"manufacturer", h.iss.Org(t, auth.Manufacturer, "330100").Token, http.StatusForbidden},
		{"regulator", regulator, http.StatusOK},
	} {
		if code, body := h.get("/v1/audit/anomalies", tt.token); code != tt.want {
			t.Errorf("anomalies as %s = %d %s, want %d", tt.who, code, body, tt.want)
		}
	}
	type page struct {
		Items []events.AnomalyRaised `json:"items"`
		Next  string                 `json:"next"`
	}
	_, body := h.get("/v1/audit/anomalies?limit=1", regulator)
	p1 := testkit.Decode[page](t, body)
	_, body = h.get("/v1/audit/anomalies?limit=1&cursor="+url.QueryEscape(p1.Next), regulator)
	p2 := testkit.Decode[page](t, body)
	got := []string{}
	for _, x := range append(p1.Items, p2.Items...) {
		got = append(got, x.AnomalyID)
	}
	slices.Sort(got)
	if want := []string{"accepted_not_dispatched:alloc_1", "price_above_median:cap_3"}; !slices.Equal(got, want) || p2.Next != "" {
		t.Fatalf("listed %v (next %q), want %v", got, p2.Next, want)
	}
	_, body = h.get("/v1/audit/anomalies?org_id=org_m3", regulator)
	if p := testkit.Decode[page](t, body); len(p.Items) != 1 || p.Items[0].Rule != "price_above_median" || p.Items[0].Threshold == "" {
		t.Fatalf("org_m3's anomalies: %s", body)
	}
	_, body = h.get("/v1/audit/events?type="+events.AnomalyRaisedType, regulator)
	if p := testkit.Decode[page](t, body); len(p.Items) != 2 {
		t.Fatalf("recorded anomalies: %s", body)
	}
	reviewer := h.iss.Org(t, auth.Regulator, "110000")
	revoked := h.iss.Org(t, auth.Regulator, "110000")
	h.publish(events.MustNew("registry", events.TokenRevoked{TokenID: revoked.TokenID, OrgID: revoked.ID}, events.Meta{Subject: revoked.ID}))
	testkit.Eventually(t, 10*time.Second, func() bool {
		code, _ := h.get("/v1/audit/anomalies", revoked.Token)
		return code == http.StatusUnauthorized
	}, "the revoked token refused")
	review := "/v1/audit/anomalies/" + url.PathEscape("accepted_not_dispatched:alloc_1") + "/review"
	note := `{"note": "the carrier confirmed a road closure; shipped by rail"}`
	if err := h.checker.Request(http.MethodPost, review, "application/json", []byte(note)); err != nil {
		t.Fatalf("the request does not match the document: %v", err)
	}
	for _, tt := range []struct {
		who, path, token, body string
		want                   int
	}{
		{"no token", review, "", note, http.StatusUnauthorized},
		{"forged token", review, testkit.NewIssuer(t).Org(t, auth.Regulator, "110000").Token, note, http.StatusUnauthorized},
		{"revoked token", review, revoked.Token, note, http.StatusUnauthorized},
		{"hospital", review, h.iss.Org(t, auth.Hospital, "420100").Token, note, http.StatusForbidden},
		{"manufacturer", review, h.iss.Org(t, auth.Manufacturer, "330100").Token, note, http.StatusForbidden},
		{"donor", review, h.iss.Org(t, auth.Donor, "330100").Token, note, http.StatusForbidden},
		{"unknown anomaly", "/v1/audit/anomalies/" + url.PathEscape("received_over_consumption:org_h9/n95-respirator") + "/review", reviewer.Token, note, http.StatusNotFound},
		{"no note", review, reviewer.Token, `{"note": "  "}`, http.StatusUnprocessableEntity},
		{"note too long", review, reviewer.Token, `{"note": "` + strings.Repeat("x", 2001) + `"}`, http.StatusUnprocessableEntity},
		{"unknown field", review, reviewer.Token, `{"note": "x", "reviewed": true}`, http.StatusBadRequest},
	} {
		if code, got := h.post(tt.path, tt.token, tt.body); code != tt.want {
			t.Errorf("review as %s: %d %s, want %d", tt.who, code, got, tt.want)
		}
	}
	h.postTwice(review, reviewer.Token, note, "review-once")
	type reviewed struct {
		AnomalyID  string `json:"anomaly_id"`
		Reviewed   bool   `json:"reviewed"`
		ReviewNote string `json:"review_note"`
		ReviewedBy string `json:"reviewed_by"`
	}
	checkReviewed := func(when string) {
		t.Helper()
		_, body := h.get("/v1/audit/anomalies", regulator)
		p := testkit.Decode[struct {
			Items []reviewed `json:"items"`
		}](t, body)
		for _, x := range p.Items {
			want := x.AnomalyID == "accepted_not_dispatched:alloc_1"
			if x.Reviewed != want || (want && (x.ReviewedBy != reviewer.ID || !strings.Contains(x.ReviewNote, "road closure"))) {
				t.Fatalf("%s: %s", when, body)
			}
		}
	}
	checkReviewed("after the review")
	// The review is a record of the log, naming the regulator's organization.
	_, body = h.get("/v1/audit/events?type="+events.AnomalyReviewedType+"&org_id="+reviewer.ID, regulator)
	recorded := testkit.Decode[struct {
		Items []struct {
			Subject string                 `json:"subject"`
			Data    events.AnomalyReviewed `json:"data"`
		} `json:"items"`
	}](t, body)
	if len(recorded.Items) != 1 || recorded.Items[0].Subject != "accepted_not_dispatched:alloc_1" || recorded.Items[0].Data.ReviewedBy != reviewer.ID {
		t.Fatalf("recorded reviews: %s", body)
	}
	// A restart keeps them and their reviews, and raises nothing new.
	h.stop()
	h.boot()
	if again, err := h.m.App.RaiseAnomalies(t.Context()); err != nil || len(again) != 0 {
		t.Fatalf("raised after restart: %+v, %v", again, err)
	}
	if code, body := h.get("/v1/audit/anomalies", regulator); code != http.StatusOK || len(testkit.Decode[page](t, body).Items) != 2 {
		t.Fatalf("after restart: %d %s", code, body)
	}
	checkReviewed("after a restart")
}

// postTwice sends a record-making request (a correction, a review) with
// one Idempotency-Key twice, as a retry after the service died between the
// append and the idempotency record (the record is deleted in between):
// both answer 201 with the same record, made once.
func (h *harness) postTwice(path, token, body, key string) {
	h.t.Helper()
	var first []byte
	for try := range 2 {
		r := testkit.Call(h.t, h.m.Handler(), h.checker, http.MethodPost, path, token, body,
			"Content-Type", "application/json", "Idempotency-Key", key)
		if _, err := h.m.P.DB.Collection("idempotency_keys").DeleteMany(context.Background(), bson.D{}); err != nil {
			h.t.Fatal(err)
		}
		if r.Status != http.StatusCreated {
			h.t.Fatalf("%s (try %d): %d %s", path, try+1, r.Status, r.Body)
		}
		if try == 0 {
			first = r.Body
		} else if string(r.Body) != string(first) {
			h.t.Fatalf("%s again answered %s; the first try %s", path, r.Body, first)
		}
	}
}

// post calls the service with a JSON body and an Idempotency-Key, and
// checks the answer against the OpenAPI document.
func (h *harness) post(path, token, body string) (int, []byte) {
	h.t.Helper()
	r := testkit.Call(h.t, h.m.Handler(), h.checker, http.MethodPost, path, token, body,
		"Content-Type", "application/json", "Idempotency-Key", fmt.Sprintf("k-%d", time.Now().UnixNano()))
	return r.Status, r.Body
}

func TestAuditCorrections(t *testing.T) {
	h := start(t)
	evs := flow()
	h.publish(evs...)
	testkit.Eventually(t, 10*time.Second, func() bool { return h.m.App.Size() == int64(len(evs)) }, "events recorded")
	need := evs[2] // org_h1's need
	hospital := h.iss.Token(t, auth.Claims{OrgID: "org_h1", Role: auth.Hospital, Region: "420100"})
	other := h.iss.Org(t, auth.Hospital, "420100").Token
	regulator := h.iss.Org(t, auth.Regulator, "110000").Token
	body := fmt.Sprintf(`{"event_id": %q, "reason": "1000 was typed for 100", "corrected": {"quantity": 100}}`, need.ID)
	if err := h.checker.Request(http.MethodPost, "/v1/audit/corrections", "application/json", []byte(body)); err != nil {
		t.Fatalf("the request does not match the document: %v", err)
	}
	for _, tt := range []struct {
		who, token, body string
		want             int
	}{
		{"no token", "", body, http.StatusUnauthorized},
		{"another hospital", other, body, http.StatusNotFound},
		{"unknown event", regulator, `{"event_id": "evt_nobody", "reason": "x"}`, http.StatusNotFound},
		{"no reason", hospital, fmt.Sprintf(`{"event_id": %q, "reason": ""}`, need.ID), http.StatusUnprocessableEntity},
		{"unknown field", hospital, fmt.Sprintf(`{"event_id": %q, "reason": "x", "bogus": 1}`, need.ID), http.StatusBadRequest},
		{"a regulator", regulator, fmt.Sprintf(`{"event_id": %q, "reason": "confirmed with the hospital"}`, need.ID), http.StatusCreated},
	} {
		if code, got := h.post("/v1/audit/corrections", tt.token, tt.body); code != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.who, code, got, tt.want)
		}
	}
	h.postTwice("/v1/audit/corrections", hospital, body, "correction-once") // the need's hospital
	// The original lists with its corrections, and they beside it.
	_, got := h.get("/v1/audit/orgs/org_h1/events?item=n95-respirator", regulator)
	type item struct {
		Index       int64           `json:"index"`
		ID          string          `json:"id"`
		Type        string          `json:"type"`
		CorrectedBy []int64         `json:"corrected_by"`
		Data        json.RawMessage `json:"data"`
	}
	p := testkit.Decode[struct {
		Items []item `json:"items"`
	}](t, got)
	// Events of different streams reach the log in either order, so the
	// original is found by id; its corrections were appended after everything.
	original := slices.IndexFunc(p.Items, func(it item) bool { return it.ID == need.ID })
	if len(p.Items) != 4 || original < 0 || len(p.Items[original].CorrectedBy) != 2 {
		t.Fatalf("org_h1's n95 history: %s", got)
	}
	for i, idx := range p.Items[original].CorrectedBy {
		c := p.Items[len(p.Items)-2+i]
		if c.Index != idx || c.Type != events.RecordCorrectedType {
			t.Fatalf("correction %d: %+v", idx, c)
		}
	}
	if _, got := h.get("/v1/audit/verify", regulator); !strings.Contains(string(got), `"ok":true`) {
		t.Fatalf("verify after corrections: %s", got)
	}
}
