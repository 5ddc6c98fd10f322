package service_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/openapi/conform"
	"github.com/aidflow/aidflow/services/disclosure/service"
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
	cfg := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss)}
	cfg.Platform.HTTPAddr = ""
	h := &harness{t: t, cfg: cfg, iss: iss}
	h.boot()
	h.bus = testkit.Bus(t, cfg.Platform.NATSURL)
	h.checker = testkit.Checker(t, service.Name)
	return h
}

func (h *harness) boot() {
	h.t.Helper()
	h.m, h.stop = testkit.Open(h.t, service.Open, h.cfg)
}

// publish sends events as their owners would and waits until the read
// model has applied them.
func (h *harness) publish(evs ...events.Envelope) {
	h.t.Helper()
	testkit.Publish(h.t, h.bus, evs...)
	testkit.Eventually(h.t, 10*time.Second, func() bool { return h.m.P.CaughtUp(context.Background()) }, "events applied")
}

// do calls the service and returns the answer unchecked.
func (h *harness) do(method, path, token string) testkit.Response {
	h.t.Helper()
	return testkit.Call(h.t, h.m.Handler(), nil, method, path, token, "")
}

// get calls the service and checks the answer against its OpenAPI document.
func (h *harness) get(path string) []byte {
	h.t.Helper()
	r := testkit.Call(h.t, h.m.Handler(), h.checker, http.MethodGet, path, "", "")
	if r.Status != http.StatusOK {
		h.t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
	}
	return r.Body
}

type list[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

// all follows next cursors through a list, limit items a page.
func all[T any](h *harness, path string, limit int) []T {
	h.t.Helper()
	var out []T
	cursor := ""
	for range 100 {
		u := path + "?limit=" + strconv.Itoa(limit)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		p := testkit.Decode[list[T]](h.t, h.get(u))
		out = append(out, p.Items...)
		if cursor = p.Next; cursor == "" {
			return out
		}
	}
	h.t.Fatalf("%s: the cursor never ended", path)
	return nil
}

var t0 = time.Now().UTC().Truncate(time.Second).Add(-time.Hour)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func meta(subject, org, item string, min int) events.Meta {
	return events.Meta{Subject: subject, OrgID: org, Item: item, Time: at(min)}
}

func allocation(version int64, status, typ string, shipped, received int64, min int, a events.Allocation) events.Envelope {
	a.Version, a.Status, a.ShippedQuantity, a.ReceivedQuantity = version, status, shipped, received
	a.CreatedAt, a.UpdatedAt = at(3).Format(time.RFC3339), at(min).Format(time.RFC3339)
	return events.MustNew("matcher", events.AllocationEvent{Type: typ, Allocation: a}, meta(a.AllocationID, a.SourceOrgID, a.Item, min))
}

// Personal data seeded where it could leak: a hospital and a donor
// organization named with phone numbers, an e-mail and an ID-card number,
// and an anonymous donation from that donor.
const (
	phone    = "13800138000"
	email    = "director@union-hospital.example"
	idCard   = "42010619800101123X"
	donorTel = "13912345678"
)

func seed() []events.Envelope {
	a1 := events.Allocation{AllocationID: "alloc_1", NeedID: "need_1", HospitalID: "org_h1", HospitalRegion: "420100", Item: "n95-respirator",
		Quantity: 1000, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", SourceRegion: "330100", DecidedBy: "policy-v1", Reason: "nearest source"}
	a2 := events.Allocation{AllocationID: "alloc_2", NeedID: "need_2", HospitalID: "org_h1", HospitalRegion: "420100", Item: "goggles",
		Quantity: 40, SourceKind: "donation", SourceID: "don_1/0", SourceOrgID: "org_d1", SourceRegion: "310000", DecidedBy: "policy-v1", Reason: "directed donation"}
	return []events.Envelope{
		events.MustNew("registry", events.OrgRegistered{OrgID: "org_h1", Name: "武汉协和医院 电话 " + phone + " " + email, Role: "hospital", Region: "420100", FacilityType: "designated"}, meta("org_h1", "org_h1", "", 0)),
		events.MustNew("registry", events.OrgRegistered{OrgID: "org_m1", Name: "Hangzhou Masks Ltd", Role: "manufacturer", Region: "330100"}, meta("org_m1", "org_m1", "", 0)),
		events.MustNew("registry", events.OrgRegistered{OrgID: "org_d1", Name: "张三 " + donorTel + " " + idCard, Role: "donor", Region: "310000"}, meta("org_d1", "org_d1", "", 0)),
		events.MustNew("demand", events.NeedPosted{NeedID: "need_1", HospitalID: "org_h1", Item: "n95-respirator", Quantity: 1000, Urgency: "critical", NeededBy: "2026-03-08", AcceptedStandards: []string{"GB 19083"}, Region: "420100"}, meta("need_1", "org_h1", "n95-respirator", 1)),
		events.MustNew("demand", events.NeedPosted{NeedID: "need_2", HospitalID: "org_h1", Item: "goggles", Quantity: 100, Urgency: "high", NeededBy: "2026-03-08", AcceptedStandards: []string{"GB 14866"}, Region: "420100"}, meta("need_2", "org_h1", "goggles", 1)),
		events.MustNew("supply", events.CapacityReported{CapacityID: "cap_1", ManufacturerID: "org_m1", Item: "n95-respirator", Region: "330100", AvailableNow: 5000, DailyRate: 100, LeadTimeDays: 1, Standard: "GB 19083", Revision: 1}, meta("cap_1", "org_m1", "n95-respirator", 2)),
		events.MustNew("donation", events.DonationPledged{DonationID: "don_1", DonorID: "org_d1", Region: "310000", Lines: []events.DonationLine{{OfferID: "don_1/0", Item: "goggles", Quantity: 40, Standard: "GB 14866"}}}, meta("don_1", "org_d1", "goggles", 2)),
		allocation(1, "proposed", events.AllocationProposedType, 0, 0, 3, a1),
		allocation(2, "accepted", events.AllocationAcceptedType, 0, 0, 4, a1),
		allocation(3, "dispatched", events.AllocationDispatchedType, 1000, 0, 5, a1),
		allocation(4, "delivered", events.AllocationReceivedType, 1000, 1000, 6, a1),
		allocation(1, "proposed", events.AllocationProposedType, 0, 0, 7, a2),
	}
}

type summaryItem struct {
	Item              string `json:"item"`
	Name              string `json:"name"`
	NameZh            string `json:"name_zh"`
	Needed            int64  `json:"needed"`
	Allocated         int64  `json:"allocated"`
	Dispatched        int64  `json:"dispatched"`
	Delivered         int64  `json:"delivered"`
	OpenShortage      int64  `json:"open_shortage"`
	AvailableCapacity int64  `json:"available_capacity"`
}

type region struct {
	Province     string `json:"province"`
	Needed       int64  `json:"needed"`
	OpenShortage int64  `json:"open_shortage"`
	Level        string `json:"level"`
}

type flow struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	SourceName   string `json:"source_name"`
	HospitalName string `json:"hospital_name"`
}

func find[T any](items []T, ok func(T) bool) (T, bool) {
	for _, x := range items {
		if ok(x) {
			return x, true
		}
	}
	var zero T
	return zero, false
}

func TestDisclosureComponent(t *testing.T) {
	h := start(t)
	h.publish(seed()...)
	// CaughtUp can answer before a just-created consumer has pulled its
	// first events; wait for the last one of the seed to be applied.
	testkit.Eventually(t, 10*time.Second, func() bool {
		f := h.m.App.Flows()
		return len(f) == 2 && f[1].Status == "delivered"
	}, "seed applied")

	t.Run("public routes need no token and ignore one", func(t *testing.T) {
		hospital := h.iss.Org(t, auth.Hospital, "420100").Token
		regulator := h.iss.Org(t, auth.Regulator, "110000").Token
		for _, path := range []string{"/", "/?lang=en", "/v1/catalog/items", "/v1/public/summary", "/v1/public/regions", "/v1/public/flows", "/static/style.css", "/openapi.json"} {
			for _, token := range []string{"", hospital, regulator, "not-a-token"} {
				if rec := h.do(http.MethodGet, path, token); rec.Status != http.StatusOK {
					t.Errorf("GET %s with token %.10q = %d", path, token, rec.Status)
				}
			}
		}
		for _, tt := range []struct {
			method, path string
			want         int
		}{
			{http.MethodPost, "/v1/public/summary", http.StatusMethodNotAllowed},
			{http.MethodDelete, "/v1/public/flows", http.StatusMethodNotAllowed},
			{http.MethodGet, "/v1/public/summary?limit=lots", http.StatusBadRequest},
			{http.MethodGet, "/v1/public/flows?cursor=%25%25", http.StatusBadRequest},
			{http.MethodGet, "/v1/public/nothing", http.StatusNotFound},
		} {
			if rec := h.do(tt.method, tt.path, ""); rec.Status != tt.want {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, rec.Status, rec.Body, tt.want)
			}
		}
	})

	t.Run("catalog", func(t *testing.T) {
		items := all[struct {
			Code     string `json:"code"`
			NameZh   string `json:"name_zh"`
			PackSize int64  `json:"pack_size"`
		}](h, "/v1/catalog/items", 3)
		if len(items) != len(catalog.Items()) || items[0].Code != catalog.Items()[0].Code || items[0].NameZh == "" {
			t.Fatalf("catalog pages gave %+v", items)
		}
	})

	t.Run("summary", func(t *testing.T) {
		items := all[summaryItem](h, "/v1/public/summary", 4)
		if len(items) != len(catalog.Items()) {
			t.Fatalf("%d summary items, want one per catalog item", len(items))
		}
		n95, _ := find(items, func(s summaryItem) bool { return s.Item == "n95-respirator" })
		want := summaryItem{Item: "n95-respirator", Name: n95.Name, NameZh: n95.NameZh, Needed: 1000, Allocated: 1000, Dispatched: 1000, Delivered: 1000, AvailableCapacity: 4000}
		if n95 != want || n95.NameZh == "" {
			t.Errorf("n95 %+v\nwant %+v", n95, want)
		}
		g, _ := find(items, func(s summaryItem) bool { return s.Item == "goggles" })
		if g.Needed != 100 || g.Allocated != 40 || g.OpenShortage != 60 || g.AvailableCapacity != 0 {
			t.Errorf("goggles %+v", g)
		}
	})

	t.Run("regions", func(t *testing.T) {
		items := all[region](h, "/v1/public/regions", 10)
		if len(items) != 34 {
			t.Fatalf("%d provinces", len(items))
		}
		hubei, _ := find(items, func(r region) bool { return r.Province == "420000" })
		// 1100 needed, 60 unmet: 5 % → blue.
		if hubei.Needed != 1100 || hubei.OpenShortage != 60 || hubei.Level != "blue" {
			t.Errorf("Hubei %+v", hubei)
		}
	})

	t.Run("flows", func(t *testing.T) {
		flows := all[flow](h, "/v1/public/flows", 1)
		want := []flow{
			{ID: "alloc_2", Status: "proposed", SourceName: "anonymous donor", HospitalName: "武汉协和医院 电话 *** ***"},
			{ID: "alloc_1", Status: "delivered", SourceName: "Hangzhou Masks Ltd", HospitalName: "武汉协和医院 电话 *** ***"},
		}
		if len(flows) != 2 || flows[0] != want[0] || flows[1] != want[1] {
			t.Fatalf("flows %+v\nwant %+v", flows, want)
		}
	})

	t.Run("a correction shows beside the original", func(t *testing.T) {
		h.publish(
			events.MustNew("registry", events.OrgRegistered{OrgID: "org_r1", Name: "Health Commission", Role: "regulator", Region: "110000"}, meta("org_r1", "org_r1", "", 8)),
			events.MustNew("audit", events.RecordCorrected{CorrectsEventID: "ev_x", CorrectsIndex: 9, CorrectsType: events.AllocationDispatchedType,
				Reason: "shipped 990, not 1000; ask " + phone, CorrectedBy: "org_r1",
				Corrected: json.RawMessage(`{"shipped_quantity":990,"tracking_number":"SF9876543210"}`)}, meta("alloc_1", "org_m1", "n95-respirator", 9)))
		type corrected struct {
			ID          string `json:"id"`
			Shipped     int64  `json:"shipped_quantity"`
			Corrections []struct {
				Corrects    string `json:"corrects"`
				CorrectedBy string `json:"corrected_by"`
				Reason      string `json:"reason"`
				Fields      []struct{ Field, Value string }
			} `json:"corrections"`
		}
		var f corrected
		testkit.Eventually(t, 10*time.Second, func() bool {
			f, _ = find(all[corrected](h, "/v1/public/flows", 50), func(f corrected) bool { return f.ID == "alloc_1" })
			return len(f.Corrections) == 1
		}, "the correction applied")
		c := f.Corrections[0]
		if f.Shipped != 1000 || c.Corrects != "allocation_dispatched" || c.CorrectedBy != "regulator:org_r1" || c.Reason != "shipped 990, not 1000; ask ***" ||
			len(c.Fields) != 1 || c.Fields[0].Field != "shipped_quantity" || c.Fields[0].Value != "990" {
			t.Errorf("alloc_1 with its correction: %+v", f)
		}
		if page := string(h.get("/?lang=en")); !strings.Contains(page, "Correction") || !strings.Contains(page, "shipped 990, not 1000") {
			t.Error("the page does not show the correction")
		}
		if strings.Contains(string(h.get("/v1/public/export/flows.csv")), "SF9876543210") {
			t.Error("a corrected tracking number was published")
		}
	})

	t.Run("page", func(t *testing.T) {
		zh := string(h.get("/"))
		en := string(h.get("/?lang=en"))
		for _, want := range []string{`lang="zh-CN"`, "物资总览", "医用防护口罩", "匿名捐赠者", `data-item="n95-respirator"`, `href="/?lang=en"`,
			`data-province="420000" data-level="blue"`, "≥ 60% 红", "nearest source", "policy-v1", `for="tracking-code"`, `id="checkpoint"`,
			`href="/v1/public/export/flows.csv?hxl=1"`, "分配规则", `src="/static/app.js"`} {
			if !strings.Contains(zh, want) {
				t.Errorf("zh page lacks %q", want)
			}
		}
		for _, want := range []string{`lang="en"`, "Totals by item", "anonymous donor", "Hangzhou Masks Ltd", "Hubei", "≥ 60 % red", "Track a donation", "How supplies are allocated"} {
			if !strings.Contains(en, want) {
				t.Errorf("en page lacks %q", want)
			}
		}
		css := h.do(http.MethodGet, "/static/style.css", "")
		if !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") || !strings.Contains(string(css.Body), ".level-red") {
			t.Errorf("style.css: %s %q", css.Header.Get("Content-Type"), string(css.Body[:min(40, len(css.Body))]))
		}
		js := h.do(http.MethodGet, "/static/app.js", "")
		if !strings.Contains(js.Header.Get("Content-Type"), "javascript") || !strings.Contains(string(js.Body), "/v1/public/stream") {
			t.Errorf("app.js: %s", js.Header.Get("Content-Type"))
		}
		// The script's data island is JSON the browser can parse.
		_, island, _ := strings.Cut(zh, `<script type="application/json" id="page-data">`)
		island, _, _ = strings.Cut(island, "</script>")
		var data struct {
			Lang  string            `json:"lang"`
			Items map[string]string `json:"items"`
		}
		if err := json.Unmarshal([]byte(island), &data); err != nil || data.Lang != "zh-CN" || !strings.HasPrefix(data.Items["n95-respirator"], "医用防护口罩") {
			t.Errorf("page data %q: %+v %v", island[:min(80, len(island))], data, err)
		}
	})

	t.Run("open data", func(t *testing.T) {
		for _, tt := range []struct {
			path, header string
			rows         int
		}{
			{"/v1/public/export/flows.csv", "id,item,quantity,status,source_kind,source_name,hospital_name,hospital_region,decided_by,reason,shipped_quantity,received_quantity,time,corrections", 2},
			{"/v1/public/export/summary.csv", "item,name,name_zh,needed,allocated,dispatched,delivered,open_shortage,available_capacity", len(catalog.Items())},
			{"/v1/public/export/regions.csv", "province,name,name_zh,needed,allocated,delivered,open_shortage,shortage_ratio,level", 34},
		} {
			rec := h.do(http.MethodGet, tt.path, "")
			if rec.Status != http.StatusOK || rec.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("GET %s = %d %s", tt.path, rec.Status, rec.Header.Get("Content-Type"))
			}
			recs, err := csv.NewReader(bytes.NewReader(rec.Body)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", tt.path, err)
			}
			if strings.Join(recs[0], ",") != tt.header || len(recs) != 1+tt.rows {
				t.Errorf("%s: header %v and %d rows, want %s and %d", tt.path, recs[0], len(recs)-1, tt.header, tt.rows)
			}
			withHXL, err := csv.NewReader(strings.NewReader(string(h.get(tt.path + "?hxl=1")))).ReadAll()
			if err != nil || len(withHXL) != len(recs)+1 || !strings.HasPrefix(withHXL[1][0], "#") || len(withHXL[1]) != len(recs[0]) {
				t.Errorf("%s?hxl=1: %v %v", tt.path, withHXL[:min(2, len(withHXL))], err)
			}
		}
		flows := testkit.Decode[list[flow]](t, h.get("/v1/public/export/flows.json"))
		if len(flows.Items) != 2 || flows.Items[0].ID != "alloc_2" || flows.Next != "" {
			t.Errorf("flows.json %+v", flows)
		}
		regions := testkit.Decode[list[region]](t, h.get("/v1/public/export/regions.json"))
		if len(regions.Items) != 34 {
			t.Errorf("regions.json has %d provinces", len(regions.Items))
		}
		if cd := h.do(http.MethodGet, "/v1/public/export/summary.json", "").Header.Get("Content-Disposition"); cd != `attachment; filename="aidflow-summary.json"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		for _, tt := range []struct {
			path string
			want int
		}{
			{"/v1/public/export/people.csv", http.StatusNotFound},
			{"/v1/public/export/flows.xlsx", http.StatusNotFound},
			{"/v1/public/export/flows", http.StatusNotFound},
			{"/v1/public/export/flows.csv?date=2026-13-01", http.StatusUnprocessableEntity},
			{"/v1/public/export/flows.csv?hxl=yes", http.StatusUnprocessableEntity},
			{"/v1/public/export/snapshots.json?date=2026-03-01", http.StatusUnprocessableEntity},
			{"/v1/public/export/flows.csv?date=1999-01-01", http.StatusNotFound},
		} {
			doc := h.checker
			if !strings.Contains(tt.path, ".") {
				doc = nil // not a documented path at all
			}
			if rec := testkit.Call(t, h.m.Handler(), doc, http.MethodGet, tt.path, "", ""); rec.Status != tt.want {
				t.Errorf("GET %s = %d %s, want %d", tt.path, rec.Status, rec.Body, tt.want)
			}
		}
	})

	t.Run("daily snapshots are kept and served by date", func(t *testing.T) {
		// 20:00 UTC is 04:00 the next day in China: the snapshot is filed
		// under the Chinese date.
		day1 := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
		info, err := h.m.App.TakeSnapshot(t.Context(), day1)
		if err != nil || info.Date != "2026-03-02" || info.Flows != 2 || info.Regions != 34 {
			t.Fatalf("snapshot %+v, %v", info, err)
		}
		// A change after the snapshot shows live, not in that day's file.
		a3 := events.Allocation{AllocationID: "alloc_3", NeedID: "need_2", HospitalID: "org_h1", HospitalRegion: "420100", Item: "goggles",
			Quantity: 20, SourceKind: "capacity", SourceID: "cap_1", SourceOrgID: "org_m1", SourceRegion: "330100", DecidedBy: "policy-v1", Reason: "nearest source"}
		h.publish(allocation(1, "proposed", events.AllocationProposedType, 0, 0, 8, a3))
		testkit.Eventually(t, 10*time.Second, func() bool { return len(h.m.App.Flows()) == 3 }, "alloc_3 applied")
		if n := len(testkit.Decode[list[flow]](t, h.get("/v1/public/export/flows.json")).Items); n != 3 {
			t.Fatalf("live flows %d, want 3", n)
		}
		old := testkit.Decode[list[flow]](t, h.get("/v1/public/export/flows.json?date=2026-03-02"))
		if len(old.Items) != 2 || old.Items[1].ID != "alloc_1" {
			t.Errorf("flows of 2026-03-02: %+v", old.Items)
		}
		recs, err := csv.NewReader(strings.NewReader(string(h.get("/v1/public/export/summary.csv?date=2026-03-02&hxl=1")))).ReadAll()
		if err != nil || len(recs) != 2+len(catalog.Items()) {
			t.Errorf("summary.csv of 2026-03-02: %d rows, %v", len(recs), err)
		}
		if _, err := h.m.App.TakeSnapshot(t.Context(), day1.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		list := testkit.Decode[list[struct {
			Date  string `json:"date"`
			Flows int    `json:"flows"`
		}]](t, h.get("/v1/public/export/snapshots.json"))
		if len(list.Items) != 2 || list.Items[0].Date != "2026-03-02" || list.Items[0].Flows != 2 || list.Items[1].Date != "2026-03-03" || list.Items[1].Flows != 3 {
			t.Errorf("snapshots %+v", list.Items)
		}
		snapCSV, err := csv.NewReader(strings.NewReader(string(h.get("/v1/public/export/snapshots.csv")))).ReadAll()
		if err != nil || len(snapCSV) != 3 || strings.Join(snapCSV[0], ",") != "date,taken_at,flows,summary,regions" {
			t.Errorf("snapshots.csv %v %v", snapCSV, err)
		}
	})

	t.Run("no personal data in any public answer", func(t *testing.T) {
		patterns := []*regexp.Regexp{
			regexp.MustCompile(`1[3-9][0-9]{9}`),                           // mobile numbers
			regexp.MustCompile(`[0-9]{17}[0-9Xx]`),                         // ID cards
			regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]+`), // e-mail
		}
		paths := []string{"/", "/?lang=en", "/v1/public/summary", "/v1/public/regions", "/v1/public/flows", "/v1/catalog/items", "/v1/public/export/snapshots.json"}
		for _, d := range []string{"flows", "summary", "regions"} {
			paths = append(paths, "/v1/public/export/"+d+".json", "/v1/public/export/"+d+".csv?hxl=1",
				"/v1/public/export/"+d+".json?date=2026-03-02", "/v1/public/export/"+d+".csv?date=2026-03-02")
		}
		for _, path := range paths {
			body := string(h.get(path))
			for _, bad := range []string{phone, email, idCard, donorTel, "张三", "org_d1", "union-hospital", "aft1.", "Bearer", "SF9876543210"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s shows %q", path, bad)
				}
			}
			for _, p := range patterns {
				if m := p.FindString(body); m != "" {
					t.Errorf("%s shows %q (%s)", path, m, p)
				}
			}
		}
	})

	t.Run("restart keeps the read model", func(t *testing.T) {
		before := h.get("/v1/public/summary")
		h.stop()
		h.boot()
		if after := h.get("/v1/public/summary"); string(after) != string(before) {
			t.Fatalf("summary after restart:\n%s\nbefore:\n%s", after, before)
		}
	})
}

func TestStreamCarriesChanges(t *testing.T) {
	h := start(t)
	h.publish(seed()[:7]...) // orgs, needs, capacity, donation; no allocation yet
	// CaughtUp can answer before a new consumer pulled its first events:
	// wait for the capacity and the donation (last on their streams).
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, s := range h.m.App.Summary() {
			if s.Item == "n95-respirator" && s.AvailableCapacity == 5000 && s.Needed == 1000 {
				return true
			}
		}
		return false
	}, "seed applied")
	srv := httptest.NewServer(h.m.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rec := &eventLog{}
	done := make(chan struct{})
	go func() { defer close(done); rec.read(ctx, t, srv.URL+"/v1/public/stream") }()
	defer func() { cancel(); <-done }()
	mu, got := &rec.mu, &rec.got
	has := func(prefix, sub string) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, g := range *got {
				if strings.HasPrefix(g, prefix) && strings.Contains(g, sub) {
					return true
				}
			}
			return false
		}
	}
	testkit.Eventually(t, 5*time.Second, has("summary ", `"item":"n95-respirator"`), "initial summary sent")
	testkit.Eventually(t, 5*time.Second, has("region ", `"province":"420000"`), "initial regions sent")
	mu.Lock()
	initial := len(*got)
	mu.Unlock()
	if initial != len(catalog.Items())+34 {
		t.Errorf("initial state: %d events, want %d summary rows and 34 regions", initial, len(catalog.Items()))
	}
	// A new allocation reaches the open stream.
	h.publish(seed()[7])
	testkit.Eventually(t, 5*time.Second, has("flow ", `"id":"alloc_1"`), "the new allocation streamed")
	testkit.Eventually(t, 5*time.Second, has("summary ", `"allocated":1000`), "the changed summary row streamed")
	mu.Lock()
	defer mu.Unlock()
	if n := len(*got) - initial; n > 4 {
		t.Errorf("one allocation sent %d events (%v); want only the changed rows", n, (*got)[initial:])
	}
}

// eventLog reads a Server-Sent Events stream into "event data" lines.
type eventLog struct {
	mu  sync.Mutex
	got []string
}

func (l *eventLog) read(ctx context.Context, t *testing.T, url string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Error(err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			t.Error(err)
		}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("stream answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		return
	}
	sc := bufio.NewScanner(resp.Body)
	var ev string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			ev = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			l.mu.Lock()
			l.got = append(l.got, ev+" "+strings.TrimPrefix(line, "data: "))
			l.mu.Unlock()
		}
	}
}
