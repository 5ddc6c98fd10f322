package service_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/service"
	"github.com/aidflow/aidflow/shared/auth"
)

func TestStockReports(t *testing.T) {
	h := start(t)
	hos := h.org(auth.Hospital, "420100")
	other := h.org(auth.Hospital, "330100")
	reg := h.org(auth.Regulator, "110000")

	r := h.do("POST", "/v1/stock-reports", hos.Token, `{"item":"n95-respirator","on_hand":250,"daily_consumption":100}`)
	if r.status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	e := h.event(events.StockReportedType, hos.ID+"/n95-respirator")
	var d events.StockReported
	if err := e.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.DaysOfSupply != 2.5 || d.HospitalID != hos.ID || d.Region != "420100" || e.Item != "n95-respirator" {
		t.Errorf("stock_reported = %+v", d)
	}
	// A second report replaces the first, in the list as in the store.
	if r := h.do("POST", "/v1/stock-reports", hos.Token, `{"item":"n95-respirator","on_hand":5000,"daily_consumption":100}`); r.status != http.StatusCreated {
		t.Fatalf("second report: %d %s", r.status, r.body)
	}
	if r := h.do("POST", "/v1/stock-reports", other.Token, `{"item":"goggles","on_hand":0,"daily_consumption":0}`); r.status != http.StatusCreated {
		t.Fatalf("other's report: %d %s", r.status, r.body)
	}
	bad := h.do("POST", "/v1/stock-reports", hos.Token, `{"item":"goggles","on_hand":1.5,"daily_consumption":-2}`)
	if bad.status != http.StatusUnprocessableEntity || len(bad.problem(t).Errors) != 2 {
		t.Errorf("invalid report: %d %s", bad.status, bad.body)
	}
	if r := h.do("POST", "/v1/stock-reports", hos.Token, `{"item":"goggles","on_hand":1,"daily_consumption":1,"days_of_supply":99}`); r.status != http.StatusBadRequest {
		t.Errorf("a derived field set by the client: %d", r.status)
	}
	check := func() {
		t.Helper()
		mine := h.do("GET", "/v1/stock-reports", hos.Token, "").stockList(t)
		if len(mine.Items) != 1 || mine.Items[0].OnHand != 5000 || mine.Items[0].DaysOfSupply != 50 || mine.Items[0].Critical {
			t.Errorf("hospital sees %+v", mine)
		}
		all := h.do("GET", "/v1/stock-reports?limit=1", reg.Token, "").stockList(t)
		if len(all.Items) != 1 || all.Next == "" {
			t.Fatalf("regulator page 1: %+v", all)
		}
		rest := h.do("GET", "/v1/stock-reports?limit=1&cursor="+all.Next, reg.Token, "").stockList(t)
		if len(rest.Items) != 1 || rest.Next != "" || rest.Items[0].HospitalID == all.Items[0].HospitalID {
			t.Errorf("regulator page 2: %+v", rest)
		}
		gog := h.do("GET", "/v1/stock-reports?item=goggles", reg.Token, "").stockList(t)
		if len(gog.Items) != 1 || gog.Items[0].DaysOfSupply != 3650 {
			t.Errorf("goggles: %+v", gog)
		}
	}
	check()
	h.restart()
	check()
	if r := h.do("GET", "/v1/stock-reports?item=n96", reg.Token, ""); r.status != http.StatusBadRequest {
		t.Errorf("unknown item filter: %d", r.status)
	}
}

func TestAntiHoardingOverHTTP(t *testing.T) {
	h := start(t, func(c *service.Config) { c.HoardingMultiple = 10 })
	hos := h.org(auth.Hospital, "420100")
	h.post(hos.Token, "surgical-mask", 5000) // no report yet: no rule
	if r := h.do("POST", "/v1/stock-reports", hos.Token, `{"item":"surgical-mask","on_hand":100,"daily_consumption":600}`); r.status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	h.post(hos.Token, "surgical-mask", 1000) // 6000 of 10 × 600
	r := h.do("POST", "/v1/needs", hos.Token, needBody("surgical-mask", 1))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("over the limit: %d %s", r.status, r.body)
	}
	p := r.problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "quantity" || !strings.Contains(p.Detail, "10 × 600 = 6000") {
		t.Errorf("problem = %+v", p)
	}
	if l := h.do("GET", "/v1/needs", hos.Token, "").list(t); len(l.Items) != 2 {
		t.Errorf("%d needs stored, want 2", len(l.Items))
	}
}
