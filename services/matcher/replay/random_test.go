package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
	"github.com/aidflow/aidflow/services/matcher/replay"
	"github.com/aidflow/aidflow/shared/auth"
)

// TestReplayAgreesOnRandomHistories: whatever happened (needs, status
// changes, stock, capacity reports, donations, accepts, declines,
// dispatches, receipts, cancellations, overrides, expiries, sweeps over
// several days), the replay of the log agrees with every allocation the
// policy issued.
func TestReplayAgreesOnRandomHistories(t *testing.T) {
	for seed := range uint64(15) {
		l := randomHistory(t, seed, false)
		rep, err := replay.Run(context.Background(), bytes.NewReader(l.jsonl()))
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Agrees() || rep.Agreed != rep.Issued {
			t.Fatalf("seed %d: %d of %d agreed; %+v", seed, rep.Agreed, rep.Issued, rep.Mismatches)
		}
	}
}

// TestReplayAgreesWhateverOrderTheAuditReadTheStreams: the matcher reads
// each stream on its own, as does the audit, so the log interleaves the
// streams otherwise than the matcher applied them (a need posted before a
// capacity report in the log, applied after it). Whatever the two orders,
// the replay agrees with every allocation the policy issued. Without the
// record of what the matcher had read (Applied) and of the order it wrote
// in (Sequence), some of these logs disagree: the test exercises what it
// claims to.
func TestReplayAgreesWhateverOrderTheAuditReadTheStreams(t *testing.T) {
	disagreedWithout := 0
	for seed := range uint64(30) {
		l := randomHistory(t, seed, true)
		for order := range uint64(3) {
			log := l.auditOrder(rand.New(rand.NewPCG(seed, order)))
			rep, err := replay.Run(context.Background(), bytes.NewReader(jsonl(log)))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Agrees() || rep.Agreed != rep.Issued || rep.Issued == 0 {
				t.Fatalf("seed %d, audit order %d: %d of %d agreed; %+v", seed, order, rep.Agreed, rep.Issued, rep.Mismatches)
			}
			rep, err = replay.Run(context.Background(), bytes.NewReader(jsonl(withoutApplied(t, log))))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Agrees() {
				disagreedWithout++
			}
		}
	}
	if disagreedWithout == 0 {
		t.Fatal("every log agreed in the audit's order alone: the histories never interleave the streams in a way that matters")
	}
	t.Logf("%d of 90 logs disagree when replayed in the audit's order alone", disagreedWithout)
}

// withoutApplied is log as a matcher that did not say what it had read
// nor number its writes would have written it.
func withoutApplied(t *testing.T, log []events.Envelope) []events.Envelope {
	out := make([]events.Envelope, len(log))
	for i, e := range log {
		out[i] = e
		if e.Source != domain.Source {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		delete(d, "applied")
		delete(d, "sequence")
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		out[i].Data = raw
	}
	return out
}

// randomHistory is seed's random history of a live matcher; with async,
// its consumers read their streams each on its own (live.async).
func randomHistory(t *testing.T, seed uint64, async bool) *live {
	items := []string{"ventilator", "n95-respirator"}
	regs := []string{"420100", "330100", "110000", "440300"}
	{
		r := rand.New(rand.NewPCG(seed, 5))
		l := newLive(t)
		if async {
			l.async = rand.New(rand.NewPCG(seed, 9))
			l.pending, l.streams = map[string][]events.Envelope{}, map[string][]events.Envelope{}
			defer l.settle()
		}
		pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
		var needs []string
		caps := map[string]int64{}
		for step := range 80 {
			l.now = l.now.Add(time.Duration(r.IntN(8)) * time.Hour)
			hosp := fmt.Sprintf("h%d", r.IntN(3))
			switch op := r.IntN(12); {
			case op < 3:
				id := fmt.Sprintf("n%d", step)
				needs = append(needs, id)
				item := pick(items)
				l.publish("demand", events.NeedPosted{NeedID: id, HospitalID: hosp, Item: item, Region: pick(regs), Quantity: int64(1 + r.IntN(300)),
					Urgency: pick([]string{"critical", "high", "normal"}), NeededBy: l.now.AddDate(0, 0, r.IntN(8)-1).Format(time.DateOnly)}, item)
			case op == 3 && len(needs) > 0:
				d := events.NeedChanged{NeedID: pick(needs)}
				switch r.IntN(3) {
				case 0:
					l.publish("demand", events.NeedCancelled(d), "")
				case 1:
					l.publish("demand", events.NeedStale(d), "")
				default:
					l.publish("demand", events.NeedConfirmed(d), "")
				}
			case op < 6:
				id := fmt.Sprintf("c%d", r.IntN(4))
				caps[id] += int64(r.IntN(200))
				item := items[int(id[1]-'0')%2]
				l.publish("supply", events.CapacityReported{CapacityID: id, ManufacturerID: "m" + id, Item: item, Region: pick(regs),
					AvailableNow: caps[id], LeadTimeDays: r.IntN(3), Revision: int64(step + 1)}, item)
			case op == 6:
				id := fmt.Sprintf("d%d", step)
				d := events.DonationPledged{DonationID: id, DonorID: "dn", Region: pick(regs),
					Lines: []events.DonationLine{{OfferID: id + "/0", Item: pick(items), Quantity: int64(1 + r.IntN(100))}}}
				if r.IntN(2) == 0 {
					d.DirectedHospitalID = hosp
				}
				l.publish("donation", d, "")
			case op == 7:
				l.publish("demand", events.StockReported{HospitalID: hosp, Item: pick(items), OnHand: int64(r.IntN(40)), DailyConsumption: int64(r.IntN(10))}, "")
			case op == 8:
				l.publish("registry", events.OrgRegistered{OrgID: hosp, Role: "hospital", Region: pick(regs), FacilityType: pick([]string{"designated", "general"})}, "")
			case op == 9:
				l.now = l.now.Add(49 * time.Hour)
				if _, err := l.app.ExpireAllocations(l.ctx); err != nil {
					t.Fatal(err)
				}
				l.drain()
				if err := l.app.Sweep(l.ctx); err != nil {
					t.Fatal(err)
				}
				l.drain()
			default:
				as, _ := l.app.Book.List(domain.ListFilter{Limit: 1 << 20})
				if len(as) == 0 {
					continue
				}
				al := as[r.IntN(len(as))]
				src := app.Actor{OrgID: al.SourceOrgID, Role: auth.Manufacturer}
				if al.SourceKind == policy.KindDonation {
					src.Role = auth.Donor
				}
				var err error
				switch r.IntN(7) {
				case 0:
					_, err = l.app.AcceptAllocation(l.ctx, src, al.ID)
				case 1:
					_, err = l.app.DeclineAllocation(l.ctx, src, al.ID, "no")
				case 2:
					_, err = l.app.DispatchAllocation(l.ctx, src, al.ID, domain.DispatchInput{ShippedQuantity: 1 + r.Int64N(al.Quantity)})
				case 3:
					_, err = l.app.ReceiveAllocation(l.ctx, app.Actor{OrgID: al.HospitalID, Role: auth.Hospital}, al.ID,
						domain.ReceiptInput{ReceivedQuantity: r.Int64N(al.ShippedQuantity + 1)})
				case 4:
					_, err = l.app.CancelAllocation(l.ctx, app.Actor{OrgID: "reg", Role: auth.Regulator}, al.ID, "redirect")
				case 5:
					_, err = l.app.RedirectAllocation(l.ctx, app.Actor{OrgID: "reg", Role: auth.Regulator}, al.ID,
						app.RedirectInput{NeedID: pick(needs), Reason: "moved by hand"})
				default:
					_, err = l.app.OverrideAllocation(l.ctx, app.Actor{OrgID: "reg", Role: auth.Regulator}, app.OverrideInput{
						NeedID: pick(needs), SourceKind: al.SourceKind, SourceID: al.SourceID, Quantity: 1 + r.Int64N(20), Reason: "by hand"})
				}
				_ = err // refusals (409, 422) are part of a history
				l.drain()
			}
		}
		return l
	}
}
