package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Demo is the data set --demo loads: organizations in several provinces,
// their shortages, manufacturers' capacity and donations. Every write
// carries an Idempotency-Key, so loading it again changes nothing.
type demoOrg struct {
	Key          string
	Name         string
	Role         string
	Region       string
	FacilityType string
}

var demoOrgs = []demoOrg{
	{"regulator", "省应急物资保障指挥部（演示） Provincial Emergency Supplies Command (demo)", "regulator", "330000", ""},
	{"jinyintan", "武汉市传染病定点医院（演示） Wuhan Designated Infectious Disease Hospital (demo)", "hospital", "420100", "designated"},
	{"wuhan-union", "武汉市第三人民医院（演示） Wuhan Third People's Hospital (demo)", "hospital", "420100", "general"},
	{"yichang", "宜昌市发热门诊中心（演示） Yichang Fever Clinic Centre (demo)", "hospital", "420500", "fever_clinic"},
	{"hangzhou", "杭州市西溪定点医院（演示） Hangzhou Xixi Designated Hospital (demo)", "hospital", "330100", "designated"},
	{"ningbo", "宁波市社区卫生服务中心（演示） Ningbo Community Health Centre (demo)", "hospital", "330200", "community"},
	{"beijing", "北京市传染病医院（演示） Beijing Infectious Disease Hospital (demo)", "hospital", "110000", "designated"},
	{"mfr-shenzhen", "深圳医用防护用品有限公司（演示） Shenzhen Medical Protective Products (demo)", "manufacturer", "440300", ""},
	{"mfr-suzhou", "苏州口罩制造厂（演示） Suzhou Mask Works (demo)", "manufacturer", "320500", ""},
	{"mfr-hangzhou", "杭州医疗器械有限公司（演示） Hangzhou Medical Devices (demo)", "manufacturer", "330100", ""},
	{"donor-charity", "浙江慈善联合会（演示） Zhejiang Charity Federation (demo)", "donor", "330100", ""},
	{"donor-qingdao", "青岛爱心企业联盟（演示） Qingdao Business Alliance (demo)", "donor", "370200", ""},
}

type demoCall struct {
	As     string // demo org key
	Method string
	Path   string
	Body   map[string]any
}

func demoCalls(today time.Time) []demoCall {
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	need := func(as, item string, qty int, urgency string, in int) demoCall {
		return demoCall{as, "POST", "/v1/needs", map[string]any{"item": item, "quantity": qty, "urgency": urgency, "needed_by": day(in)}}
	}
	capacity := func(as, item string, now, rate, lead int) demoCall {
		return demoCall{as, "PUT", "/v1/capacity/" + item, map[string]any{"available_now": now, "daily_rate": rate, "lead_time_days": lead}}
	}
	return []demoCall{
		need("jinyintan", "n95-respirator", 20000, "critical", 3),
		need("jinyintan", "protective-suit", 5000, "critical", 3),
		need("wuhan-union", "surgical-mask", 50000, "high", 5),
		need("wuhan-union", "n95-respirator", 8000, "high", 6),
		need("yichang", "goggles", 1200, "high", 7),
		need("yichang", "antigen-test-kit", 10000, "normal", 10),
		need("hangzhou", "ventilator", 20, "critical", 4),
		need("ningbo", "nitrile-gloves", 30000, "normal", 12),
		need("beijing", "pcr-test-kit", 5000, "high", 6),
		need("beijing", "oxygen-concentrator", 40, "high", 8),
		capacity("mfr-shenzhen", "protective-suit", 3000, 1500, 2),
		capacity("mfr-shenzhen", "goggles", 2000, 500, 2),
		capacity("mfr-suzhou", "n95-respirator", 16000, 10000, 1),
		capacity("mfr-suzhou", "surgical-mask", 40000, 60000, 1),
		capacity("mfr-hangzhou", "ventilator", 12, 3, 3),
		capacity("mfr-hangzhou", "oxygen-concentrator", 25, 10, 2),
		{"donor-charity", "POST", "/v1/donations", map[string]any{"items": []map[string]any{{"item": "n95-respirator", "quantity": 4000}, {"item": "nitrile-gloves", "quantity": 20000}}, "public_name": "浙江慈善联合会 Zhejiang Charity Federation"}},
		{"donor-qingdao", "POST", "/v1/donations", map[string]any{"items": []map[string]any{{"item": "antigen-test-kit", "quantity": 5000}}, "region": "420000", "anonymous": true}},
	}
}

// LoadDemo loads the demo data set through the public API at baseURL and
// returns each demo organization's token, by key.
func LoadDemo(ctx context.Context, baseURL, operatorToken string) (map[string]string, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	tokens := map[string]string{}
	for _, o := range demoOrgs {
		body := map[string]any{"name": o.Name, "role": o.Role, "region": o.Region}
		if o.FacilityType != "" {
			body["facility_type"] = o.FacilityType
		}
		var created struct {
			Token string `json:"token"`
		}
		if err := call(ctx, c, baseURL, operatorToken, "POST", "/v1/orgs", "demo-org-"+o.Key, body, &created); err != nil {
			return nil, fmt.Errorf("demo organization %s: %w", o.Key, err)
		}
		tokens[o.Key] = created.Token
	}
	for i, dc := range demoCalls(time.Now().UTC()) {
		if err := call(ctx, c, baseURL, tokens[dc.As], dc.Method, dc.Path, fmt.Sprintf("demo-%d", i), dc.Body, nil); err != nil {
			return nil, fmt.Errorf("demo %s %s as %s: %w", dc.Method, dc.Path, dc.As, err)
		}
	}
	return tokens, nil
}

func call(ctx context.Context, c *http.Client, base, token, method, path, idemKey string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", idemKey)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}
