package i18n

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
)

// Check lists what a words table leaves unsaid, for a test to fail on:
// a language of Languages missing from the table; any text (a string
// field, however deep in structs, a map's value, a list's entry) that is
// empty in one language; a map key or a list entry that one language has
// and another lacks; and a text whose formatting verbs (%d, %s, %v,
// %[2]s) differ between languages, so a translation cannot drop or add a
// value that the code passes. The table maps a language code to that
// language's words, all of one type T.
func Check[T any](table map[string]T) []string {
	var out []string
	for _, l := range Languages {
		if _, ok := table[l.Code]; !ok {
			out = append(out, l.Code+": the language is missing")
		}
	}
	langs := make([]string, 0, len(table))
	vals := make([]reflect.Value, 0, len(table))
	for _, l := range sortedKeys(table) {
		langs = append(langs, l)
		vals = append(vals, reflect.ValueOf(table[l]))
	}
	if len(vals) > 0 {
		out = append(out, compare("", langs, vals)...)
	}
	return out
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compare walks the same place in every language's words.
func compare(path string, langs []string, vals []reflect.Value) []string {
	var out []string
	v0 := vals[0]
	switch v0.Kind() {
	case reflect.String:
		verbs0 := verbs(v0.String())
		for i, v := range vals {
			if v.String() == "" {
				out = append(out, fmt.Sprintf("%s: %s is empty", langs[i], path))
			}
			if i > 0 && !slices.Equal(verbs(v.String()), verbs0) {
				out = append(out, fmt.Sprintf("%s: %s formats %v, %s formats %v", langs[i], path, verbs(v.String()), langs[0], verbs0))
			}
		}
	case reflect.Struct:
		for f := range v0.NumField() {
			if !v0.Type().Field(f).IsExported() {
				continue
			}
			next := make([]reflect.Value, len(vals))
			for i, v := range vals {
				next[i] = v.Field(f)
			}
			out = append(out, compare(join(path, v0.Type().Field(f).Name), langs, next)...)
		}
	case reflect.Map:
		keys := map[string]bool{}
		for _, v := range vals {
			for _, k := range v.MapKeys() {
				keys[fmt.Sprint(k.Interface())] = true
			}
		}
		for _, k := range sortedKeys(keys) {
			next := make([]reflect.Value, 0, len(vals))
			var have []string
			for i, v := range vals {
				e := v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))
				if !e.IsValid() {
					out = append(out, fmt.Sprintf("%s: %s[%s] is missing", langs[i], path, k))
					continue
				}
				next, have = append(next, e), append(have, langs[i])
			}
			if len(next) > 0 {
				out = append(out, compare(fmt.Sprintf("%s[%s]", path, k), have, next)...)
			}
		}
	case reflect.Slice, reflect.Array:
		for i, v := range vals {
			if v.Len() != v0.Len() {
				out = append(out, fmt.Sprintf("%s: %s has %d entries, %s has %d", langs[i], path, v.Len(), langs[0], v0.Len()))
			}
		}
		for j := range v0.Len() {
			next := make([]reflect.Value, 0, len(vals))
			var have []string
			for i, v := range vals {
				if j < v.Len() {
					next, have = append(next, v.Index(j)), append(have, langs[i])
				}
			}
			out = append(out, compare(fmt.Sprintf("%s[%d]", path, j), have, next)...)
		}
	}
	return out
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// verb is a formatting verb a words table uses: %d, %s or %v, with an
// optional explicit argument index. Other uses of % ("60 % red") are text.
var verb = regexp.MustCompile(`%(\[(\d+)\])?([dsv])`)

// verbs lists s's verbs as "argument:verb", in argument order, so that a
// translation may reorder them with explicit indexes.
func verbs(s string) []string {
	var out []string
	next := 1
	for _, m := range verb.FindAllStringSubmatch(s, -1) {
		arg := next
		if m[2] != "" {
			arg, _ = strconv.Atoi(m[2]) // \d+ always parses
		}
		out = append(out, fmt.Sprintf("%d:%s", arg, m[3]))
		next = arg + 1
	}
	sort.Strings(out)
	return out
}
