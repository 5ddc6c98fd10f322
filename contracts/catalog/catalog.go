// Package catalog is the item catalog every Aidflow service shares: the
// items hospitals may ask for, their base unit and pack size, and the product
// standards each may be made to.
//
// Standards matter because of 2020: KN95 masks (GB 2626, industrial) were
// published as "N95" medical protective masks (GB 19083). An item therefore
// lists every standard it is traded under, and separately the standards a
// hospital accepts when it says nothing (DefaultAcceptedStandards), which for
// n95-respirator is GB 19083 only.
//
// The data lives in items.json, embedded, so non-Go consumers (the public
// page, open-data users) read the same file.
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// Item is one catalog entry. Quantities of an item anywhere in the system
// are integers in its Unit.
type Item struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameZh string `json:"name_zh"`
	// Unit is the base unit quantities are counted in: piece, pair, kit, unit.
	Unit string `json:"unit"`
	// PackSize is how many units ship in one pack; the matcher allocates
	// whole packs where it can.
	PackSize int64 `json:"pack_size"`
	// Standards are the product standards the item may be made to, the
	// default one (used when a report names none) first.
	Standards []string `json:"standards"`
	// DefaultAcceptedStandards is what a need accepts when the hospital does
	// not say; always a subset of Standards.
	DefaultAcceptedStandards []string `json:"default_accepted_standards"`
	// MaxNeedQuantity bounds one need, so a typo (an extra zero or three)
	// is refused instead of draining the pool.
	MaxNeedQuantity int64  `json:"max_need_quantity"`
	Category        string `json:"category"`
}

// Standard describes a product standard code used in Standards.
type Standard struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameZh string `json:"name_zh"`
	// Medical is true for medical-device standards. GB 2626 (KN95) is not.
	Medical bool `json:"medical"`
}

//go:embed items.json
var itemsJSON []byte

var (
	items     []Item
	byCode    map[string]int
	standards []Standard
	stdByCode map[string]int
)

func init() {
	var doc struct {
		Standards []Standard `json:"standards"`
		Items     []Item     `json:"items"`
	}
	if err := json.Unmarshal(itemsJSON, &doc); err != nil {
		panic(fmt.Sprintf("catalog: items.json: %v", err))
	}
	standards = doc.Standards
	stdByCode = make(map[string]int, len(standards))
	for i, s := range standards {
		stdByCode[s.Code] = i
	}
	items = doc.Items
	byCode = make(map[string]int, len(items))
	for i, it := range items {
		if err := it.validate(); err != nil {
			panic(fmt.Sprintf("catalog: items.json: %v", err))
		}
		if _, dup := byCode[it.Code]; dup {
			panic(fmt.Sprintf("catalog: items.json: duplicate item %q", it.Code))
		}
		byCode[it.Code] = i
	}
}

// validate rejects an entry that would break a consumer's assumptions; a
// bad edit of items.json fails every test that imports the package.
func (it Item) validate() error {
	switch {
	case it.Code == "" || it.Name == "" || it.NameZh == "" || it.Unit == "" || it.Category == "":
		return fmt.Errorf("item %q: code, name, name_zh, unit and category are required", it.Code)
	case it.PackSize < 1:
		return fmt.Errorf("item %q: pack_size must be at least 1", it.Code)
	case it.MaxNeedQuantity < it.PackSize:
		return fmt.Errorf("item %q: max_need_quantity below one pack", it.Code)
	case len(it.Standards) == 0 || len(it.DefaultAcceptedStandards) == 0:
		return fmt.Errorf("item %q: standards and default_accepted_standards are required", it.Code)
	}
	for _, s := range it.Standards {
		if _, ok := stdByCode[s]; !ok {
			return fmt.Errorf("item %q: standard %q is not described", it.Code, s)
		}
	}
	for _, s := range it.DefaultAcceptedStandards {
		if !it.HasStandard(s) {
			return fmt.Errorf("item %q: default accepted standard %q is not one of its standards", it.Code, s)
		}
	}
	return nil
}

// Items returns every item in catalog order. The result is a copy.
func Items() []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		out[i] = it.clone()
	}
	return out
}

// Codes returns every item code in catalog order.
func Codes() []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Code
	}
	return out
}

// Lookup returns the item with the code, a copy the caller may change.
func Lookup(code string) (Item, bool) {
	i, ok := byCode[code]
	if !ok {
		return Item{}, false
	}
	return items[i].clone(), true
}

// Valid reports whether code is a catalog item.
func Valid(code string) bool {
	_, ok := byCode[code]
	return ok
}

// HasStandard reports whether the item may be made to standard s.
func (it Item) HasStandard(s string) bool {
	return slices.Contains(it.Standards, s)
}

// DefaultStandard is the standard assumed when a capacity report or a
// donation names none: the item's first.
func (it Item) DefaultStandard() string {
	return it.Standards[0]
}

func (it Item) clone() Item {
	it.Standards = slices.Clone(it.Standards)
	it.DefaultAcceptedStandards = slices.Clone(it.DefaultAcceptedStandards)
	return it
}

// Standards returns the description of every standard any item uses.
func Standards() []Standard {
	return slices.Clone(standards)
}

// LookupStandard returns the description of a standard code.
func LookupStandard(code string) (Standard, bool) {
	i, ok := stdByCode[code]
	if !ok {
		return Standard{}, false
	}
	return standards[i], true
}

// JSON returns the embedded catalog document ({"standards": [...],
// "items": [...]}) as shipped.
func JSON() []byte {
	return slices.Clone(itemsJSON)
}
