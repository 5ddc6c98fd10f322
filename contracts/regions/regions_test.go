package regions

import (
	"math"
	"testing"
)

func TestProvinces(t *testing.T) {
	ps := Provinces()
	if len(ps) != 34 {
		t.Fatalf("got %d provinces, want 34", len(ps))
	}
	for i, p := range ps {
		if i > 0 && ps[i-1].Code >= p.Code {
			t.Errorf("not ordered by code at %d: %s then %s", i, ps[i-1].Code, p.Code)
		}
		if p.Province != p.Code || p.Name == "" || p.NameZh == "" {
			t.Errorf("bad province %+v", p)
		}
		if p.Lat < 15 || p.Lat > 50 || p.Lon < 75 || p.Lon > 135 {
			t.Errorf("%s %s: coordinates %v,%v outside China", p.Code, p.Name, p.Lat, p.Lon)
		}
		if p.Capital != "" {
			c, ok := Lookup(p.Capital)
			if !ok || c.Province != p.Code {
				t.Errorf("%s: capital %s not listed in it", p.Code, p.Capital)
			}
			if c.Lat != p.Lat || c.Lon != p.Lon {
				t.Errorf("%s: coordinates differ from capital %s", p.Code, p.Capital)
			}
		}
	}
	for _, code := range []string{"810000", "820000", "710000"} {
		if _, ok := Lookup(code); !ok {
			t.Errorf("Lookup(%s) not found", code)
		}
	}
}

func TestEveryCityIsInAKnownProvince(t *testing.T) {
	for _, r := range All() {
		if ProvinceOf(r.Code) != r.Province {
			t.Errorf("%s: ProvinceOf = %q, Province = %q", r.Code, ProvinceOf(r.Code), r.Province)
		}
		if r.Lat == 0 || r.Lon == 0 {
			t.Errorf("%s: no coordinates", r.Code)
		}
		if !Valid(r.Code) {
			t.Errorf("Valid(%s) = false", r.Code)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		code, name, nameZh, province string
		ok                           bool
	}{
		{"330100", "Hangzhou", "杭州市", "330000", true},
		{"420100", "Wuhan", "武汉市", "420000", true},
		{"110000", "Beijing", "北京市", "110000", true},
		{"110100", "Beijing", "北京市", "110000", true},
		{"120000", "Tianjin", "天津市", "120000", true},
		{"310000", "Shanghai", "上海市", "310000", true},
		{"500000", "Chongqing", "重庆市", "500000", true},
		{"440300", "Shenzhen", "深圳市", "440000", true},
		{"320500", "Suzhou", "苏州市", "320000", true},
		{"330200", "Ningbo", "宁波市", "330000", true},
		{"420500", "Yichang", "宜昌市", "420000", true},
		{"370200", "Qingdao", "青岛市", "370000", true},
		{"810000", "Hong Kong", "香港特别行政区", "810000", true},
		{"420700", "", "", "", false},
		{"999999", "", "", "", false},
		{"", "", "", "", false},
	}
	for _, tt := range tests {
		r, ok := Lookup(tt.code)
		if ok != tt.ok || r.Name != tt.name || r.NameZh != tt.nameZh || r.Province != tt.province {
			t.Errorf("Lookup(%q) = %+v, %v; want %s %s in %s, %v", tt.code, r, ok, tt.name, tt.nameZh, tt.province, tt.ok)
		}
	}
}

func TestValidAndProvinceOf(t *testing.T) {
	tests := []struct {
		code     string
		valid    bool
		province string
	}{
		{"420100", true, "420000"},
		{"420000", true, "420000"},
		{"420700", true, "420000"}, // Ezhou: not listed, but a real city in Hubei
		{"429004", true, "420000"}, // Xiantao: directly administered county-level city
		{"330106", true, "330000"}, // a district of Hangzhou
		{"110105", true, "110000"},
		{"810000", true, "810000"},
		{"810100", false, "810000"}, // Hong Kong is not divided in GB/T 2260
		{"420001", false, "420000"}, // prefecture digits 00 but not the province
		{"990000", false, ""},
		{"190000", false, ""},
		{"42010", false, ""},
		{"4201000", false, ""},
		{"42010a", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		if got := Valid(tt.code); got != tt.valid {
			t.Errorf("Valid(%q) = %v, want %v", tt.code, got, tt.valid)
		}
		if got := ProvinceOf(tt.code); got != tt.province {
			t.Errorf("ProvinceOf(%q) = %q, want %q", tt.code, got, tt.province)
		}
	}
}

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		a, b     string
		want     float64
		tolerate float64
		ok       bool
	}{
		{"330100", "330100", 0, 0, true},
		{"420100", "110000", 1050, 25, true},
		{"110000", "420100", 1050, 25, true},
		{"110000", "110100", 0, 0, true},
		{"420000", "420100", 0, 0, true},
		{"420700", "420100", 0, 0, true},    // unlisted city: its province capital
		{"330106", "330100", 0, 0, true},    // district: its prefecture
		{"330100", "310000", 165, 15, true}, // Hangzhou-Shanghai
		{"440300", "810000", 30, 10, true},  // Shenzhen-Hong Kong
		{"420100", "999999", 0, 0, false},
		{"", "420100", 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := DistanceKm(tt.a, tt.b)
		if ok != tt.ok {
			t.Errorf("DistanceKm(%q, %q) ok = %v, want %v", tt.a, tt.b, ok, tt.ok)
			continue
		}
		if math.Abs(got-tt.want) > tt.tolerate {
			t.Errorf("DistanceKm(%q, %q) = %.1f, want %.0f ± %.0f", tt.a, tt.b, got, tt.want, tt.tolerate)
		}
	}
}

func TestProvincesIsACopy(t *testing.T) {
	ps := Provinces()
	ps[0].Name = "x"
	if Provinces()[0].Name == "x" {
		t.Fatal("Provinces result aliases the table")
	}
}
