package domain_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// casesFile is our copy of the design's conformance cases; sharedCases is
// the original, beside the repository in CI.
const (
	casesFile   = "testdata/matching-cases.json"
	sharedCases = "../../../../shared/matching-cases.json"
)

type conformanceCase struct {
	Name  string `json:"name"`
	Today string `json:"today"`
	Needs []struct {
		ID                string   `json:"id"`
		Hospital          string   `json:"hospital"`
		Region            string   `json:"region"`
		FacilityType      string   `json:"facility_type"`
		Item              string   `json:"item"`
		Quantity          int64    `json:"quantity"`
		Urgency           string   `json:"urgency"`
		NeededBy          string   `json:"needed_by"`
		AcceptedStandards []string `json:"accepted_standards"`
		Stale             bool     `json:"stale"`
	} `json:"needs"`
	Offers []struct {
		ID               string `json:"id"`
		Kind             string `json:"kind"`
		Org              string `json:"org"`
		Region           string `json:"region"`
		Item             string `json:"item"`
		Quantity         int64  `json:"quantity"`
		Standard         string `json:"standard"`
		DirectedHospital string `json:"directed_hospital"`
		DirectedRegion   string `json:"directed_region"`
		LeadTimeDays     int    `json:"lead_time_days"`
	} `json:"offers"`
	Expect struct {
		ByNeed map[string]int64 `json:"by_need"`
		ByPair []struct {
			Need     string `json:"need"`
			Offer    string `json:"offer"`
			Quantity int64  `json:"quantity"`
		} `json:"by_pair"`
	} `json:"expect"`
}

func loadCases(t *testing.T) []conformanceCase {
	t.Helper()
	raw, err := os.ReadFile(casesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []conformanceCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	return f.Cases
}

// market turns a case into the policy's inputs through the same defaults
// the service applies to events (accepted standards, offer standard).
func market(c conformanceCase) ([]policy.Need, []policy.Offer) {
	var needs []policy.Need
	for _, n := range c.Needs {
		needs = append(needs, policy.Need{
			ID: n.ID, HospitalID: n.Hospital, Item: n.Item, Region: n.Region, FacilityType: n.FacilityType,
			Urgency: n.Urgency, NeededBy: n.NeededBy, AcceptedStandards: domain.AcceptedStandards(n.Item, n.AcceptedStandards),
			Stale: n.Stale, Remaining: n.Quantity,
		})
	}
	var offers []policy.Offer
	for _, o := range c.Offers {
		offers = append(offers, policy.Offer{
			ID: o.ID, Kind: o.Kind, OrgID: o.Org, Item: o.Item, Region: o.Region, Standard: domain.OfferStandard(o.Item, o.Standard),
			Remaining: o.Quantity, DirectedHospitalID: o.DirectedHospital, DirectedRegion: o.DirectedRegion, LeadTimeDays: o.LeadTimeDays,
		})
	}
	return needs, offers
}

// TestConformance runs every case of matching-cases.json (DESIGN.md,
// "Matching policy") through the policy.
func TestConformance(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			today, err := time.Parse(time.DateOnly, c.Today)
			if err != nil {
				t.Fatal(err)
			}
			needs, offers := market(c)
			ds := policy.Match(needs, offers, today)
			if err := policy.Check(needs, offers, ds); err != nil {
				t.Fatal(err)
			}
			byNeed := map[string]int64{}
			byPair := map[[2]string]int64{}
			for _, d := range ds {
				byNeed[d.NeedID] += d.Quantity
				byPair[[2]string{d.NeedID, d.OfferID}] += d.Quantity
			}
			for id, want := range c.Expect.ByNeed {
				if byNeed[id] != want {
					t.Errorf("need %s got %d, want %d (decisions %+v)", id, byNeed[id], want, ds)
				}
			}
			for _, p := range c.Expect.ByPair {
				if got := byPair[[2]string{p.Need, p.Offer}]; got != p.Quantity {
					t.Errorf("need %s from offer %s got %d, want %d", p.Need, p.Offer, got, p.Quantity)
				}
			}
			if again := policy.Match(needs, offers, today); !equalDecisions(ds, again) {
				t.Errorf("not deterministic:\n%+v\n%+v", ds, again)
			}
		})
	}
}

func equalDecisions(a, b []policy.Decision) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCasesAreTheDesignsCases keeps our copy equal to the design's file
// when it is beside the repository (as in CI).
func TestCasesAreTheDesignsCases(t *testing.T) {
	shared, err := os.ReadFile(sharedCases)
	if os.IsNotExist(err) {
		// CI always has the team kit beside its clone: there the check must run.
		if os.Getenv("CI") != "" {
			t.Fatal("../shared/matching-cases.json is missing although CI is set")
		}
		t.Skip("no ../shared/matching-cases.json beside the repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile(casesFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, shared) {
		t.Fatalf("%s differs from %s: copy the design's file again", casesFile, sharedCases)
	}
}
