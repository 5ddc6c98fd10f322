package domain

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

func TestRecordCorrectedKeepsPublicFieldsBesideTheOriginal(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := NewModel()
	m.SetOrg(Org{ID: "org_r1", Role: RoleRegulator})
	m.SetOrg(Org{ID: "org_m1", Role: RoleManufacturer, Name: "Hangzhou Masks Ltd"})
	m.SetOrg(Org{ID: "org_d1", Role: "donor"})
	m.SetAllocation(Allocation{ID: "alloc_1", Item: "goggles", Quantity: 40, Status: "dispatched", Shipped: 40, UpdatedAt: at})
	corr := func(typ, by, reason, fields string) events.RecordCorrected {
		return events.RecordCorrected{CorrectsEventID: "ev_1", CorrectsType: typ, Reason: reason, CorrectedBy: by, Corrected: json.RawMessage(fields)}
	}
	for _, tt := range []struct {
		name    string
		id      string
		d       events.RecordCorrected
		applied bool
		want    FlowCorrection
	}{
		{"a regulator's correction of a dispatch, private fields dropped", "ev_c1",
			corr(events.AllocationDispatchedType, "org_r1", "shipped 30, not 40; call 13800138000",
				`{"shipped_quantity":30,"tracking_number":"SF123","carrier":"SF","reason":"miscount"}`), true,
			FlowCorrection{Time: at, Corrects: "allocation_dispatched", CorrectedBy: "regulator:org_r1", Reason: "shipped 30, not 40; call ***",
				Fields: []CorrectedField{{"reason", "miscount"}, {"shipped_quantity", "30"}}}},
		{"the same correction again changes nothing", "ev_c1", corr(events.AllocationDispatchedType, "org_r1", "again", `{}`), false, FlowCorrection{}},
		{"a manufacturer's own correction names it", "ev_c2", corr(events.AllocationAcceptedType, "org_m1", "accepted by mistake", ``), true,
			FlowCorrection{Time: at.Add(time.Minute), Corrects: "allocation_accepted", CorrectedBy: "Hangzhou Masks Ltd", Reason: "accepted by mistake", Fields: []CorrectedField{}}},
		{"a need's correction is not shown one by one", "ev_c3", corr(events.NeedPostedType, "org_r1", "x", `{}`), false, FlowCorrection{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := m.RecordCorrected(tt.id, "alloc_1", tt.want.Time, tt.d)
			if ok != tt.applied {
				t.Fatalf("applied = %v, want %v", ok, tt.applied)
			}
			if !ok {
				return
			}
			m.SetCorrection(c)
			cs := m.Flows()[0].Corrections
			got := cs[len(cs)-1]
			if got.Fields == nil {
				got.Fields = []CorrectedField{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("correction %+v\nwant %+v", got, tt.want)
			}
		})
	}
	// The original stays as it was, the corrections beside it, oldest first.
	f := m.Flows()[0]
	if f.ShippedQuantity != 40 || len(f.Corrections) != 2 || f.Corrections[0].Corrects != "allocation_dispatched" {
		t.Errorf("flow %+v", f)
	}
	if got := FlowRecord(f)[13]; got != "2026-03-02T09:00:00Z regulator:org_r1: shipped 30, not 40; call *** (reason=miscount, shipped_quantity=30) | 2026-03-02T09:01:00Z Hangzhou Masks Ltd: accepted by mistake" {
		t.Errorf("CSV cell %q", got)
	}
	// A donor filing a correction is not named.
	c, _ := m.RecordCorrected("ev_c4", "alloc_1", at.Add(2*time.Minute), corr(events.AllocationReceivedType, "org_d1", "r", `{"received_quantity":"39"}`))
	m.SetCorrection(c)
	if last := m.Flows()[0].Corrections[2]; last.CorrectedBy != "" || !reflect.DeepEqual(last.Fields, []CorrectedField{{"received_quantity", "39"}}) {
		t.Errorf("donor's correction %+v", last)
	}
}
