// Package i18n is what the server-rendered pages (the public page, the
// regulators' console) share to speak zh-CN and English: the languages
// and how a request names one, items' and provinces' names in each, and
// Check, which a words table's test runs so that no language lacks a word
// another has.
package i18n

import (
	"strings"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/regions"
)

// The languages the pages speak. zh-CN is the default: the users are
// Chinese hospitals, regulators and the public.
const (
	ZhCN    = "zh-CN"
	En      = "en"
	Default = ZhCN
)

// Language is one the pages speak, with its name in itself (a language
// switch names each language in its own words).
type Language struct{ Code, Name string }

// Languages are every language the pages speak, the default first.
var Languages = []Language{{ZhCN, "中文"}, {En, "English"}}

// Parse returns the language a ?lang= value or a cookie names: "zh-CN"
// (or "zh", "zh-Hans", any case) or "en" (or "en-…"); ok is false for
// anything else, which the caller answers with its current language.
func Parse(v string) (lang string, ok bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case v == "zh" || strings.HasPrefix(v, "zh-"):
		return ZhCN, true
	case v == "en" || strings.HasPrefix(v, "en-"):
		return En, true
	}
	return "", false
}

// ItemName is the catalog item's name in lang (the catalog's name_zh in
// zh-CN); an unknown code is shown as it is.
func ItemName(code, lang string) string {
	it, ok := catalog.Lookup(code)
	switch {
	case !ok:
		return code
	case lang == En:
		return it.Name
	}
	return it.NameZh
}

// ProvinceName is the name in lang of the province code lies in (a
// province's, a city's or a county's code); an unknown code is shown as
// it is.
func ProvinceName(code, lang string) string {
	r, ok := regions.Lookup(regions.ProvinceOf(code))
	switch {
	case !ok:
		return code
	case lang == En:
		return r.Name
	}
	return r.NameZh
}
