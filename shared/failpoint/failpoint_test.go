package failpoint

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		want    map[string]int64
		wantErr string
	}{
		{spec: "", want: nil},
		{spec: "  ", want: nil},
		{spec: "outbox.before_publish=exit", want: map[string]int64{"outbox.before_publish": 1}},
		{spec: "a=exit, b=exit@3", want: map[string]int64{"a": 1, "b": 3}},
		{spec: "a", wantErr: "want name=exit"},
		{spec: "=exit", wantErr: "want name=exit"},
		{spec: "a=panic", wantErr: "the only action is exit"},
		{spec: "a=exit@0", wantErr: "positive integer"},
		{spec: "a=exit@x", wantErr: "positive integer"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := parse(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parse(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("parse(%q) = %d points, want %d", tt.spec, len(got), len(tt.want))
			}
			for name, at := range tt.want {
				if got[name] == nil || got[name].at != at {
					t.Fatalf("parse(%q)[%s] = %+v, want exit at hit %d", tt.spec, name, got[name], at)
				}
			}
		})
	}
}

func TestHitExitsOnTheNthHitOnly(t *testing.T) {
	var exits []int
	exit = func(code int) { exits = append(exits, code) }
	defer func() { exit = osExit; armed = nil }()

	armed = nil
	Hit("a") // unarmed: nothing
	var err error
	if armed, err = parse("a=exit@2"); err != nil {
		t.Fatal(err)
	}
	Hit("b")
	Hit("a")
	if len(exits) != 0 {
		t.Fatalf("exited before the 2nd hit: %v", exits)
	}
	Hit("a")
	Hit("a")
	if len(exits) != 1 || exits[0] != ExitCode {
		t.Fatalf("exits = %v, want exactly one with %d", exits, ExitCode)
	}
}

func BenchmarkHitUnarmed(b *testing.B) {
	armed = nil
	for b.Loop() {
		Hit(OutboxBeforePublish)
	}
}
