package catalog

import (
	"slices"
	"testing"
)

func TestRequiredItems(t *testing.T) {
	tests := []struct {
		code            string
		unit            string
		mustHave        []string
		defaultAccepted []string
	}{
		{"n95-respirator", "piece", []string{"GB 19083", "GB 2626"}, []string{"GB 19083"}},
		{"surgical-mask", "piece", []string{"YY 0469", "YY/T 0969"}, []string{"YY 0469"}},
		{"protective-suit", "piece", []string{"GB 19082"}, []string{"GB 19082"}},
		{"goggles", "piece", []string{"GB 14866"}, nil},
		{"face-shield", "piece", []string{"GB 14866"}, nil},
		{"nitrile-gloves", "pair", []string{"GB 10213", "GB 7543"}, nil},
		{"pcr-test-kit", "kit", []string{"NMPA Class III"}, nil},
		{"antigen-test-kit", "kit", []string{"NMPA Class III"}, nil},
		{"ventilator", "unit", nil, nil},
		{"oxygen-concentrator", "unit", []string{"YY/T 0298"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			it, ok := Lookup(tt.code)
			if !ok {
				t.Fatalf("Lookup(%q) not found", tt.code)
			}
			if it.Code != tt.code || it.Unit != tt.unit {
				t.Errorf("got code %q unit %q, want %q %q", it.Code, it.Unit, tt.code, tt.unit)
			}
			for _, s := range tt.mustHave {
				if !it.HasStandard(s) {
					t.Errorf("HasStandard(%q) = false", s)
				}
			}
			if tt.defaultAccepted != nil && !slices.Equal(it.DefaultAcceptedStandards, tt.defaultAccepted) {
				t.Errorf("DefaultAcceptedStandards = %v, want %v", it.DefaultAcceptedStandards, tt.defaultAccepted)
			}
			if it.PackSize < 1 || it.MaxNeedQuantity < it.PackSize {
				t.Errorf("pack_size %d, max_need_quantity %d", it.PackSize, it.MaxNeedQuantity)
			}
			if it.Name == "" || it.NameZh == "" || it.Category == "" {
				t.Errorf("missing name, name_zh or category: %+v", it)
			}
		})
	}
}

// The 2020 lesson: a hospital that says nothing must never be sent KN95.
func TestN95DefaultExcludesKN95(t *testing.T) {
	it, _ := Lookup("n95-respirator")
	if slices.Contains(it.DefaultAcceptedStandards, "GB 2626") {
		t.Fatal("n95-respirator accepts GB 2626 (KN95) by default")
	}
	if it.DefaultStandard() != "GB 19083" {
		t.Fatalf("DefaultStandard = %q, want GB 19083", it.DefaultStandard())
	}
	s, ok := LookupStandard("GB 2626")
	if !ok || s.Medical {
		t.Fatalf("GB 2626 = %+v, %v; want described and not medical", s, ok)
	}
}

func TestEveryItemIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, it := range Items() {
		if seen[it.Code] {
			t.Errorf("duplicate %q", it.Code)
		}
		seen[it.Code] = true
		if err := it.validate(); err != nil {
			t.Error(err)
		}
		for _, s := range it.Standards {
			if _, ok := LookupStandard(s); !ok {
				t.Errorf("%s: standard %q undescribed", it.Code, s)
			}
		}
		if !Valid(it.Code) {
			t.Errorf("Valid(%q) = false", it.Code)
		}
	}
	if !slices.Equal(Codes(), func() []string {
		var c []string
		for _, it := range Items() {
			c = append(c, it.Code)
		}
		return c
	}()) {
		t.Error("Codes() and Items() disagree on order")
	}
}

func TestLookupUnknownAndHasStandard(t *testing.T) {
	tests := []struct {
		code, std string
		found     bool
		has       bool
	}{
		{"n95-respirator", "GB 19083", true, true},
		{"n95-respirator", "GB 2626", true, true},
		{"n95-respirator", "YY 0469", true, false},
		{"n95-respirator", "gb 19083", true, false},
		{"surgical-mask", "GB 19083", true, false},
		{"N95-RESPIRATOR", "GB 19083", false, false},
		{"", "", false, false},
		{"unicorn", "GB 19083", false, false},
	}
	for _, tt := range tests {
		it, ok := Lookup(tt.code)
		if ok != tt.found {
			t.Errorf("Lookup(%q) found = %v, want %v", tt.code, ok, tt.found)
			continue
		}
		if got := it.HasStandard(tt.std); got != tt.has {
			t.Errorf("%q.HasStandard(%q) = %v, want %v", tt.code, tt.std, got, tt.has)
		}
	}
}

// Callers get copies: changing one must not change the catalog.
func TestResultsAreCopies(t *testing.T) {
	it, _ := Lookup("n95-respirator")
	it.DefaultAcceptedStandards[0] = "GB 2626"
	again, _ := Lookup("n95-respirator")
	if again.DefaultAcceptedStandards[0] != "GB 19083" {
		t.Fatal("Lookup result aliases the catalog")
	}
	all := Items()
	all[0].Standards[0] = "x"
	if Items()[0].Standards[0] == "x" {
		t.Fatal("Items result aliases the catalog")
	}
}
