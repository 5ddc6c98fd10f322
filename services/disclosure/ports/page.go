package ports

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/services/disclosure/domain"
	"github.com/aidflow/aidflow/web"
)

// PageFlows is how many recent flows the page lists.
const PageFlows = 20

// Page renders the public page from web's templates.
type Page struct {
	tmpl   *template.Template
	static http.Handler
	Now    func() time.Time
}

// NewPage parses the templates in web.FS.
func NewPage() (*Page, error) {
	tmpl, err := template.ParseFS(web.FS, "templates/page.html")
	if err != nil {
		return nil, fmt.Errorf("page template: %w", err)
	}
	static, err := fs.Sub(web.FS, "static")
	if err != nil {
		return nil, err
	}
	return &Page{tmpl: tmpl, static: http.StripPrefix("/static/", http.FileServerFS(static)), Now: time.Now}, nil
}

// Static serves web's static/ under /static/.
func (p *Page) Static() http.Handler { return p.static }

// texts are the page's words; zh-CN is the default, en the switch.
type texts struct {
	Title, Lead, Language, Summary, Item, Needed, Allocated, Dispatched, Delivered, OpenShortage, AvailableCapacity    string
	Regions, LevelRule, Flows, Time, Quantity, From, To, Status, DecidedBy, NoFlows, AnonymousDonor, OpenData, Updated string
}

var lang = map[string]struct {
	T      texts
	Levels map[string]string
	Status map[string]string
}{
	"zh-CN": {
		T: texts{
			Title: "Aidflow 防疫物资公开平台", Lead: "医院需求、企业产能、捐赠与调拨，全部公开可查。", Language: "语言",
			Summary: "物资总览", Item: "物资", Needed: "需求", Allocated: "已分配", Dispatched: "已发货", Delivered: "已签收",
			OpenShortage: "缺口", AvailableCapacity: "可用产能",
			Regions: "各省缺口", LevelRule: "缺口比例 = 未分配需求 ÷ 需求：≥60% 红，≥40% 橙，≥20% 黄，>0 蓝，0 或无需求 绿。",
			Flows: "最近调拨", Time: "时间", Quantity: "数量", From: "来源", To: "接收医院", Status: "状态", DecidedBy: "决策依据",
			NoFlows: "暂无调拨。", AnonymousDonor: "匿名捐赠者", OpenData: "开放数据：", Updated: "更新于",
		},
		Levels: map[string]string{"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝", "green": "绿"},
		Status: map[string]string{"proposed": "已分配", "accepted": "已接受", "dispatched": "已发货", "delivered": "已签收", "declined": "已拒绝", "expired": "已过期", "cancelled": "已取消"},
	},
	"en": {
		T: texts{
			Title: "Aidflow public supply platform", Lead: "Hospitals' needs, manufacturers' capacity, donations and allocations, all in the open.", Language: "Language",
			Summary: "Totals by item", Item: "Item", Needed: "Needed", Allocated: "Allocated", Dispatched: "Dispatched", Delivered: "Delivered",
			OpenShortage: "Open shortage", AvailableCapacity: "Available capacity",
			Regions: "Shortage by province", LevelRule: "Share unmet = open shortage ÷ needed: ≥ 60 % red, ≥ 40 % orange, ≥ 20 % yellow, > 0 blue, 0 or nothing needed green.",
			Flows: "Recent allocations", Time: "Time", Quantity: "Quantity", From: "From", To: "To hospital", Status: "Status", DecidedBy: "Decided by",
			NoFlows: "No allocations yet.", AnonymousDonor: "anonymous donor", OpenData: "Open data:", Updated: "Updated",
		},
		Levels: map[string]string{"red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue", "green": "green"},
		Status: map[string]string{"proposed": "proposed", "accepted": "accepted", "dispatched": "dispatched", "delivered": "delivered", "declined": "declined", "expired": "expired", "cancelled": "cancelled"},
	},
}

type pageData struct {
	Lang        string
	T           texts
	LevelNames  map[string]string
	StatusNames map[string]string
	ItemNames   map[string]string
	Summary     []domain.SummaryItem
	Regions     []domain.RegionShortage
	Flows       []domain.Flow
	Now         time.Time
}

func (h handlers) index(c echo.Context) error {
	l := "zh-CN"
	if c.QueryParam("lang") == "en" {
		l = "en"
	}
	v := h.app.Views()
	flows := v.Flows
	if len(flows) > PageFlows {
		flows = flows[:PageFlows]
	}
	names := map[string]string{}
	for _, it := range catalog.Items() {
		names[it.Code] = it.NameZh
		if l == "en" {
			names[it.Code] = it.Name
		}
	}
	d := pageData{Lang: l, T: lang[l].T, LevelNames: lang[l].Levels, StatusNames: lang[l].Status, ItemNames: names,
		Summary: v.Summary, Regions: v.Regions, Flows: flows, Now: h.page.Now().UTC()}
	var buf bytes.Buffer
	if err := h.page.tmpl.Execute(&buf, d); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Language", l)
	c.Response().Header().Set("Vary", "Accept-Encoding")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
