package domain_test

import (
	"strings"
	"testing"

	"github.com/aidflow/aidflow/services/disclosure/domain"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Wuhan Union Hospital", "Wuhan Union Hospital"},
		{"武汉市第一医院", "武汉市第一医院"},
		{"Wuhan No. 1 Hospital", "Wuhan No. 1 Hospital"},
		{"Hospital 2020 Branch", "Hospital 2020 Branch"},
		{"协和医院 13800138000", "协和医院 ***"},
		{"协和医院(电话13800138000)", "协和医院(电话***)"},
		{"Union Hospital +86 138 0013 8000", "Union Hospital ***"},
		{"Union Hospital tel. 027-8572-6114", "Union Hospital tel. ***"},
		{"Union Hospital (027) 85726114", "Union Hospital ***"},
		{"张三 42010619800101123X", "张三 ***"},
		{"张三 420106198001011234", "张三 ***"},
		{"old id 420106800101123", "old id ***"},
		{"全角 １３８００１３８０００", "全角 ***"},
		{"contact admin@example.com now", "contact *** now"},
		{"联系 张三@医院.中国", "联系 ***"},
		{"both a.b+c@mail.example.org and 13912345678", "both *** and ***"},
		{"  many   spaces\tand\ncontrol\x00chars  ", "many spaces and control chars"},
		{"", ""},
		// Dates the policy writes in its reasons stay; a date inside a
		// longer run of digits does not make the run publishable.
		{"needed-by window 2026-11-25..2026-11-27; arrives in 2 days, by 2026-11-26", "needed-by window 2026-11-25..2026-11-27; arrives in 2 days, by 2026-11-26"},
		{"call 138-2026-11-25", "call ***"},
		{"2026-11-25 13800138000", "***"},
		{"not a date 2026-13-45", "not a date ***"},
	}
	for _, tt := range tests {
		if got := domain.Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("医", domain.MaxPublicName+10)
	if got := domain.Sanitize(long); len([]rune(got)) != domain.MaxPublicName {
		t.Errorf("long name kept %d characters, want %d", len([]rune(got)), domain.MaxPublicName)
	}
}

func TestPublicDecidedBy(t *testing.T) {
	tests := []struct{ in, want string }{
		{"aidflow-policy/0.2", "aidflow-policy/0.2"},
		{"regulator:org_1234567890abcdef1234", "regulator:org_1234567890abcdef1234"},
		{"regulator:13800138000", "regulator:***"},
		{"someone admin@example.com", "someone ***"},
	}
	for _, tt := range tests {
		if got := domain.PublicDecidedBy(tt.in); got != tt.want {
			t.Errorf("PublicDecidedBy(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
