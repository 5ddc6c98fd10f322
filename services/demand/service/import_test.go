package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/ports"
	"github.com/aidflow/aidflow/shared/auth"
)

func csvDate(days int) string {
	return time.Now().In(time.FixedZone("UTC+8", 8*3600)).AddDate(0, 0, days).Format("2006-01-02")
}

func (h *harness) importCSV(token, body string, header ...string) response {
	h.t.Helper()
	return h.do("POST", "/v1/needs:import", token, body, append([]string{"Content-Type", "text/csv"}, header...)...)
}

func TestImportNeeds(t *testing.T) {
	h := start(t)
	hos := h.org(auth.Hospital, "420100")
	d := csvDate(3)
	file := "item,quantity,urgency,needed_by,accepted_standards,note\n" +
		"n95-respirator,500,critical," + d + ",GB 19083;GB 2626,\"ICU, ward 3\"\n" +
		"goggles,20,normal," + d + ",,\n"
	r := h.importCSV(hos.Token, file, "Idempotency-Key", "import-1")
	if r.status != http.StatusCreated {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	var out ports.ImportJSON
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Created != 2 || len(out.Rows) != 2 || out.Rows[0].Row != 2 || out.Rows[1].Row != 3 || out.Rows[0].Status != "created" ||
		len(out.Rows[0].Need.AcceptedStandards) != 2 || out.Rows[0].Need.Note == nil || *out.Rows[0].Need.Note != "ICU, ward 3" {
		t.Fatalf("answer = %+v", out)
	}
	for _, row := range out.Rows {
		h.event(events.NeedPostedType, row.Need.ID)
	}
	// The same file and key again: the first answer, nothing new.
	again := h.importCSV(hos.Token, file, "Idempotency-Key", "import-1")
	if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %s", again.status, again.body)
	}
	if l := h.do("GET", "/v1/needs", hos.Token, "").list(t); len(l.Items) != 2 {
		t.Errorf("%d needs after the replay, want 2", len(l.Items))
	}

	// One bad row: nothing is created and every fault is named by row.
	bad := "item,quantity,urgency,needed_by\n" +
		"goggles,5,high," + d + "\n" +
		"n96,1.5,urgent,2020-01-01\n"
	r = h.importCSV(hos.Token, bad)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d %s", r.status, r.body)
	}
	p := r.problem(t)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	if got := strings.Join(fields, " "); got != "rows[3].item rows[3].quantity rows[3].urgency rows[3].needed_by" {
		t.Errorf("fields = %s", got)
	}
	if l := h.do("GET", "/v1/needs", hos.Token, "").list(t); len(l.Items) != 2 {
		t.Errorf("%d needs after a refused import, want 2", len(l.Items))
	}

	tests := []struct {
		name, contentType, body string
		status                  int
	}{
		{"json", "application/json", `{"item":"goggles"}`, http.StatusBadRequest},
		{"no header row", "text/csv", "goggles,5,high," + d + "\n", http.StatusBadRequest},
		{"too many rows", "text/csv", "item,quantity,urgency,needed_by\n" + strings.Repeat(fmt.Sprintf("goggles,1,high,%s\n", d), 501), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		r := h.do("POST", "/v1/needs:import", hos.Token, tt.body, "Content-Type", tt.contentType)
		if r.status != tt.status || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
}
