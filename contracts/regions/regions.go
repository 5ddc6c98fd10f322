// Package regions holds the GB/T 2260 administrative division codes Aidflow
// uses: all 34 provincial-level divisions, their capitals, and the other
// cities the demo uses, each with the coordinates of its centre.
//
// Organizations give their region as a 6-digit code. The matcher ranks
// sources by distance between region centres (DistanceKm) and the public
// page aggregates by province (ProvinceOf). The table is not the whole of
// GB/T 2260 (about 3,200 codes); a code it does not list but that is well
// formed and lies in a known province is still valid, and is located at its
// prefecture's centre if listed, else at its province capital's.
package regions

import (
	"math"
	"slices"
)

// Region is a province or a city.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameZh string `json:"name_zh"`
	// Province is the 6-digit code of the provincial-level division the
	// region lies in; a province's is its own code.
	Province string `json:"province"`
	// Lat and Lon are the centre in degrees (WGS 84). A province's are its
	// capital's.
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	// Capital is, for a province, the code of its capital city; empty for
	// cities and for Hong Kong, Macao and Taiwan, which GB/T 2260 does not
	// divide.
	Capital string `json:"capital,omitempty"`
}

// EarthRadiusKm is the mean Earth radius the distances use.
const EarthRadiusKm = 6371.0

var (
	provinces []Region
	byCode    map[string]Region
)

func init() {
	byCode = make(map[string]Region, len(provinceData)+len(cityData))
	for _, c := range cityData {
		c.Province = c.Code[:2] + "0000"
		byCode[c.Code] = c
	}
	for _, p := range provinceData {
		p.Province = p.Code
		if p.Capital != "" {
			capital := byCode[p.Capital]
			p.Lat, p.Lon = capital.Lat, capital.Lon
		}
		byCode[p.Code] = p
		provinces = append(provinces, p)
	}
	slices.SortFunc(provinces, func(a, b Region) int { return compare(a.Code, b.Code) })
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Lookup returns a listed region: a province or a city in the table.
func Lookup(code string) (Region, bool) {
	r, ok := byCode[code]
	return r, ok
}

// Valid reports whether code can name an organization's region: a listed
// region, or a well-formed 6-digit code inside a known mainland province
// (its prefecture digits not 00). Hong Kong, Macao and Taiwan are valid only
// as their province code.
func Valid(code string) bool {
	if _, ok := byCode[code]; ok {
		return true
	}
	p := ProvinceOf(code)
	if p == "" {
		return false
	}
	if byCode[p].Capital == "" { // not divided in GB/T 2260
		return false
	}
	return code[2:4] != "00"
}

// ProvinceOf returns the province code of a 6-digit code (its first two
// digits + "0000") if that province is known, else "".
func ProvinceOf(code string) string {
	if !sixDigits(code) {
		return ""
	}
	p := code[:2] + "0000"
	if _, ok := byCode[p]; !ok {
		return ""
	}
	return p
}

// Provinces returns the 34 provincial-level divisions ordered by code.
func Provinces() []Region {
	return slices.Clone(provinces)
}

// All returns every listed region, provinces and cities, ordered by code.
func All() []Region {
	out := make([]Region, 0, len(byCode))
	for _, r := range byCode {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Region) int { return compare(a.Code, b.Code) })
	return out
}

// Locate returns the region whose centre stands for code: the code itself
// if listed, else its prefecture (first four digits + "00"), else its
// province. False if the code is not valid.
func Locate(code string) (Region, bool) {
	if r, ok := byCode[code]; ok {
		return r, true
	}
	if !Valid(code) {
		return Region{}, false
	}
	if r, ok := byCode[code[:4]+"00"]; ok {
		return r, true
	}
	r, ok := byCode[ProvinceOf(code)]
	return r, ok
}

// DistanceKm is the great-circle (haversine) distance between the centres
// of two regions, located as Locate does. False if either is unknown.
func DistanceKm(a, b string) (float64, bool) {
	ra, ok := Locate(a)
	if !ok {
		return 0, false
	}
	rb, ok := Locate(b)
	if !ok {
		return 0, false
	}
	return Haversine(ra.Lat, ra.Lon, rb.Lat, rb.Lon), true
}

// Haversine is the great-circle distance in km between two points given in
// degrees.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

func sixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
