package domain

import (
	"bytes"
	"testing"
)

func TestWriteCSVGuardsFormulasAndAddsHXL(t *testing.T) {
	f := Flow{ID: "alloc_1", Item: "goggles", Quantity: 5, SourceName: "=HYPERLINK(\"x\")", HospitalName: "+1 clinic", Reason: "a, \"quoted\" reason"}
	for _, tt := range []struct {
		hxl  bool
		want string
	}{
		{false, "id,item,quantity,status,source_kind,source_name,hospital_name,hospital_region,decided_by,reason,shipped_quantity,received_quantity,time,corrections\n" +
			"alloc_1,goggles,5,,,\"'=HYPERLINK(\"\"x\"\")\",'+1 clinic,,,\"a, \"\"quoted\"\" reason\",0,0,,\n"},
		{true, "id,item,quantity,status,source_kind,source_name,hospital_name,hospital_region,decided_by,reason,shipped_quantity,received_quantity,time,corrections\n" +
			"#activity+id,#item+code,#item+allocated+num,#status,#org+provider+type,#org+provider+name,#org+recipient+name,#adm2+code,#meta+decided_by,#description+reason,#item+dispatched+num,#item+delivered+num,#date+updated,#meta+corrections\n" +
			"alloc_1,goggles,5,,,\"'=HYPERLINK(\"\"x\"\")\",'+1 clinic,,,\"a, \"\"quoted\"\" reason\",0,0,,\n"},
	} {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, FlowFields, tt.hxl, [][]string{FlowRecord(f)}); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("hxl=%v:\n%s\nwant\n%s", tt.hxl, buf.String(), tt.want)
		}
	}
	for _, tt := range []struct {
		name          string
		fields, cells int
	}{
		{"flows", len(FlowFields), len(FlowRecord(Flow{}))},
		{"summary", len(SummaryFields), len(SummaryRecord(SummaryItem{}))},
		{"regions", len(RegionFields), len(RegionRecord(RegionShortage{}))},
		{"snapshots", len(SnapshotFields), len(SnapshotRecord(SnapshotInfo{}))},
	} {
		if tt.fields != tt.cells {
			t.Errorf("%s: %d fields but a record has %d cells", tt.name, tt.fields, tt.cells)
		}
	}
}

// BenchmarkFlowsCSV writes the flows export of 10,000 allocations, the
// model's expected size in a hard week.
func BenchmarkFlowsCSV(b *testing.B) {
	flows := make([]Flow, 10_000)
	for i := range flows {
		flows[i] = Flow{ID: "alloc_0123456789abcdef0123", Item: "n95-respirator", Quantity: 2000, Status: "delivered", SourceKind: "capacity",
			SourceName: "Suzhou Mask Works", HospitalName: "武汉市第一人民医院", HospitalRegion: "420100", DecidedBy: "aidflow-policy/0.2",
			Reason:          "urgency critical, frontline facility; standard GB 19083 accepted; nearest eligible source with units (562 km)",
			ShippedQuantity: 2000, ReceivedQuantity: 2000}
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		rows := make([][]string, len(flows))
		for i, f := range flows {
			rows[i] = FlowRecord(f)
		}
		if err := WriteCSV(&buf, FlowFields, true, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1e6, "MB")
}
