package policy_test

import (
	"strings"
	"testing"

	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

func stock(onHand, daily int64) func(*policy.Need) {
	return func(n *policy.Need) { n.HasStock, n.StockOnHand, n.DailyConsumption = true, onHand, daily }
}

// TestDaysOfSupplyRaisesTheClass: under three days of supply a need is
// served as critical; at three days or with no consumption it keeps its
// stated class.
func TestDaysOfSupplyRaisesTheClass(t *testing.T) {
	tests := []struct {
		name  string
		a     []func(*policy.Need)
		wantA int64
	}{
		{"no stock report: stated class", nil, 5},
		{"2.9 days of supply: critical", []func(*policy.Need){stock(29, 10)}, 10},
		{"exactly 3 days: stated class", []func(*policy.Need){stock(30, 10)}, 5},
		{"no consumption reported: stated class", []func(*policy.Need){stock(0, 0)}, 5},
		{"nothing on hand: critical", []func(*policy.Need){stock(0, 1)}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A (normal) and B (high) compete for 10 ventilators; B wants 10.
			// Raised, A is served before B; otherwise after it.
			needs := []policy.Need{
				need("A", "ventilator", 10, append([]func(*policy.Need){func(n *policy.Need) { n.Urgency = policy.Normal }}, tt.a...)...),
				need("B", "ventilator", 5),
			}
			ds := policy.Match(needs, []policy.Offer{offer("X", "ventilator", 10)}, today)
			if err := policy.Check(needs, []policy.Offer{offer("X", "ventilator", 10)}, ds); err != nil {
				t.Fatal(err)
			}
			if got := byNeed(ds)["A"]; got != tt.wantA {
				t.Errorf("A got %d, want %d (%+v)", got, tt.wantA, ds)
			}
		})
	}
}

func TestRaisedClassIsExplained(t *testing.T) {
	needs := []policy.Need{need("A", "ventilator", 2, stock(5, 10))}
	ds := policy.Match(needs, []policy.Offer{offer("X", "ventilator", 2)}, today)
	if len(ds) != 1 || !strings.Contains(ds[0].Reason, "urgency critical (stated high; 0.5 days of supply on hand, under 3)") {
		t.Fatalf("%+v", ds)
	}
}
