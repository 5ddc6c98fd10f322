package i18n_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aidflow/aidflow/shared/i18n"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"en", i18n.En, true}, {"EN-gb", i18n.En, true}, {"zh-CN", i18n.ZhCN, true}, {"zh", i18n.ZhCN, true},
		{"zh-hans", i18n.ZhCN, true}, {" en ", i18n.En, true}, {"", "", false}, {"fr", "", false}, {"english", "", false},
	} {
		if got, ok := i18n.Parse(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if i18n.Languages[0].Code != i18n.Default {
		t.Errorf("the default is not listed first: %v", i18n.Languages)
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{i18n.ItemName("n95-respirator", i18n.En), "Medical protective mask (N95)"},
		{i18n.ItemName("no-such-item", i18n.ZhCN), "no-such-item"},
		{i18n.ProvinceName("420100", i18n.ZhCN), "湖北省"},
		{i18n.ProvinceName("420000", i18n.En), "Hubei"},
		{i18n.ProvinceName("999999", i18n.En), "999999"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if zh := i18n.ItemName("n95-respirator", i18n.ZhCN); zh == "" || zh == i18n.ItemName("n95-respirator", i18n.En) {
		t.Errorf("the zh-CN name of n95-respirator is %q", zh)
	}
}

type texts struct {
	Title, Count string
	hidden       string
}

type words struct {
	T      texts
	Status map[string]string
	Rules  []string
}

func TestCheck(t *testing.T) {
	good := map[string]words{
		"zh-CN": {T: texts{Title: "标题", Count: "%[2]s 中有 %[1]d 个"}, Status: map[string]string{"open": "待分配"}, Rules: []string{"一", "二"}},
		"en":    {T: texts{Title: "Title", Count: "%d in %s", hidden: "not a word"}, Status: map[string]string{"open": "open"}, Rules: []string{"one", "two"}},
	}
	if got := i18n.Check(good); len(got) != 0 {
		t.Fatalf("a complete table: %v", got)
	}
	bad := map[string]words{
		"zh-CN": {T: texts{Title: "标题", Count: "%d 个"}, Status: map[string]string{"open": "待分配", "stale": ""}, Rules: []string{"一"}},
		"en":    {T: texts{Count: "%d in %s"}, Status: map[string]string{"open": "open", "fulfilled": "fulfilled"}, Rules: []string{"one", "two"}},
	}
	got := i18n.Check(bad)
	for _, want := range []string{
		"en: T.Title is empty",
		"zh-CN: T.Count formats [1:d], en formats [1:d 2:s]", // en first: languages in order
		"zh-CN: Status[fulfilled] is missing",
		"en: Status[stale] is missing",
		"zh-CN: Status[stale] is empty",
		"zh-CN: Rules has 1 entries, en has 2",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	if len(got) != 6 {
		t.Errorf("%d problems, want 6:\n%s", len(got), strings.Join(got, "\n"))
	}
	if got := i18n.Check(map[string]words{"en": good["en"]}); !slices.Contains(got, "zh-CN: the language is missing") {
		t.Errorf("a table without zh-CN: %v", got)
	}
}
