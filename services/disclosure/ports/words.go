package ports

// texts are the page's words; zh-CN is the default, en the switch. The
// page's script receives them too, to render live rows and lookups in the
// page's language.
type texts struct {
	Title, Lead, Language, Skip                                                         string
	Summary, Item, Needed, Allocated, Dispatched, Delivered, OpenShortage, Available    string
	Regions, LevelRule, MapNote, Legend                                                 string
	Flows, FlowsNote, Time, Quantity, From, To, Status, DecidedBy, Reason, NoFlows      string
	AnonymousDonor, Live, Connecting, Reconnecting                                      string
	Lookup, LookupLabel, LookupHint, LookupButton, LookupNotFound, LookupError          string
	LookupEmpty, Donor, PledgedAt, Pledged, AllocatedAt, DispatchedAt, DeliveredAt      string
	Received, JourneyItems, JourneyAllocations, NoAllocations, Hospital                 string
	Policy, PolicyLead, Checkpoint, CheckpointLead, Size, RootHash, CheckpointTime      string
	Origin, CheckpointNone, Loading, OpenData, OpenDataLead, Snapshots, Fields, Updated string
	NoScript, Correction                                                                string
}

type language struct {
	T      texts
	Policy []string
	Levels map[string]string
	Status map[string]string
}

var words = map[string]language{
	"zh-CN": {
		T: texts{
			Title: "Aidflow 防疫物资公开平台", Lead: "医院需求、企业产能、捐赠与调拨，全部公开可查。", Language: "语言", Skip: "跳到主要内容",
			Summary: "物资总览", Item: "物资", Needed: "需求", Allocated: "已分配", Dispatched: "已发货", Delivered: "已签收",
			OpenShortage: "缺口", Available: "可用产能",
			Regions: "各省缺口地图", LevelRule: "缺口比例 = 缺口 ÷ 需求（缺口 = 各项未满足需求中尚未分配的数量）：≥ 60% 红，≥ 40% 橙，≥ 20% 黄，> 0 蓝，0 或无需求 绿。各物资数量合计计算。",
			MapNote: "方块示意图，按大致方位排列，不按比例。每格：级别 · 缺口 / 需求。", Legend: "图例",
			Flows: "实时调拨", FlowsNote: "每笔调拨都写明由谁或哪条规则决定（决策依据）以及理由。时间为 UTC。",
			Time: "时间", Quantity: "数量", From: "来源", To: "接收医院", Status: "状态", DecidedBy: "决策依据", Reason: "理由",
			NoFlows: "暂无调拨。", AnonymousDonor: "匿名捐赠者",
			Live: "实时更新中", Connecting: "正在连接实时更新…", Reconnecting: "连接中断，正在重新连接…",
			Lookup: "捐赠查询", LookupLabel: "追踪码", LookupHint: "输入捐赠时收到的追踪码（不区分大小写）。", LookupButton: "查询",
			LookupNotFound: "没有找到这个追踪码。", LookupError: "查询失败，请稍后再试。", LookupEmpty: "请输入追踪码。",
			Donor: "捐赠者", PledgedAt: "认捐时间", Pledged: "认捐", AllocatedAt: "分配时间", DispatchedAt: "发货时间", DeliveredAt: "签收时间",
			Received: "签收数量", JourneyItems: "各物资进度", JourneyAllocations: "去向", NoAllocations: "尚未分配。", Hospital: "医院",
			Policy: "分配规则", PolicyLead: "每笔调拨由公开的规则（aidflow-policy）决定，监管部门的人工调整会写明机构和理由：",
			Checkpoint: "审计日志检查点", CheckpointLead: "所有事件写入只增不改的审计日志，定期签名发布。任何人都可以用它核对日志未被篡改。",
			Size: "记录数", RootHash: "根哈希", CheckpointTime: "签名时间", Origin: "日志名", CheckpointNone: "暂时无法读取检查点。", Loading: "加载中…",
			OpenData: "开放数据", OpenDataLead: "以下数据可自由下载（CSV 或 JSON，字段名固定；加 ?hxl=1 附 HXL 标签行；加 ?date=YYYY-MM-DD 取当天快照）：",
			Snapshots: "每日快照列表", Fields: "字段说明", Updated: "页面生成于",
			Correction: "更正",
			NoScript:   "未启用 JavaScript：页面不会实时更新，捐赠查询和检查点需直接访问接口。",
		},
		Policy: []string{
			"只分配真实、仍在等待的需求：已取消、已满足或长期未确认的需求不参与；物资标准必须是医院接受的（要医用防护口罩 GB 19083 的医院不会收到 KN95，除非医院写明接受）；定向捐赠只去指定的医院或地区。",
			"最紧急的先：危急、高、一般依次分配；库存不足 3 天用量的医院自动视为危急。同一紧急程度内，定点医院和发热门诊优先，再按需要日期（每 3 天一档）排序。",
			"不够时按比例公平分配：按各需求尚缺的数量按比例分，而不是先到先得（12 台呼吸机对应 12、6、6 的需求，分得 6、3、3）。",
			"只用来得及送到的来源：生产准备天数加上每 800 公里一天的路程，不能晚于需要日期。",
			"就近优先、整包分配：先用距离最近的来源，按整包（如 20 只口罩）分配。",
			"被退回的来源不再重复分配给同一需求，除非企业重新申报产能。",
			"绝不超出实有数量；同样的事实总是得到同样的结果，任何人都可以重放核对。",
		},
		Levels: map[string]string{"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝", "green": "绿"},
		Status: map[string]string{"proposed": "已分配", "accepted": "已接受", "dispatched": "已发货", "delivered": "已签收", "declined": "已拒绝", "expired": "已过期", "cancelled": "已取消"},
	},
	"en": {
		T: texts{
			Title: "Aidflow public supply platform", Lead: "Hospitals' needs, manufacturers' capacity, donations and allocations, all in the open.", Language: "Language", Skip: "Skip to the main content",
			Summary: "Totals by item", Item: "Item", Needed: "Needed", Allocated: "Allocated", Dispatched: "Dispatched", Delivered: "Delivered",
			OpenShortage: "Open shortage", Available: "Available capacity",
			Regions: "Shortage map by province", LevelRule: "Share unmet = open shortage ÷ needed (open shortage = what open needs still lack after allocation): ≥ 60 % red, ≥ 40 % orange, ≥ 20 % yellow, > 0 blue, 0 or nothing needed green. Units of all items are added together.",
			MapNote: "A tile map in rough geographic order, not to scale. Each tile: level · open shortage / needed.", Legend: "Legend",
			Flows: "Live allocations", FlowsNote: "Each allocation names who or what decided it (decided by) and why. Times are UTC.",
			Time: "Time", Quantity: "Quantity", From: "From", To: "To hospital", Status: "Status", DecidedBy: "Decided by", Reason: "Reason",
			NoFlows: "No allocations yet.", AnonymousDonor: "anonymous donor",
			Live: "Live", Connecting: "Connecting to live updates…", Reconnecting: "Connection lost, reconnecting…",
			Lookup: "Track a donation", LookupLabel: "Tracking code", LookupHint: "The tracking code you received when you pledged (any case).", LookupButton: "Look up",
			LookupNotFound: "No donation has this tracking code.", LookupError: "The lookup failed; please try again.", LookupEmpty: "Please enter a tracking code.",
			Donor: "Donor", PledgedAt: "Pledged at", Pledged: "Pledged", AllocatedAt: "Allocated at", DispatchedAt: "Dispatched at", DeliveredAt: "Delivered at",
			Received: "Received", JourneyItems: "Per item", JourneyAllocations: "Where it went", NoAllocations: "Not allocated yet.", Hospital: "Hospital",
			Policy: "How supplies are allocated", PolicyLead: "Every allocation is decided by a published policy (aidflow-policy); a regulator's override names the regulator and the reason:",
			Checkpoint: "Audit log checkpoint", CheckpointLead: "Every event goes into an append-only audit log whose state is signed and published; anyone can use it to check the log was not altered.",
			Size: "Records", RootHash: "Root hash", CheckpointTime: "Signed at", Origin: "Log", CheckpointNone: "The checkpoint cannot be read just now.", Loading: "Loading…",
			OpenData: "Open data", OpenDataLead: "Free downloads (CSV or JSON, fixed column names; add ?hxl=1 for the HXL hashtag row; add ?date=YYYY-MM-DD for that day's snapshot):",
			Snapshots: "daily snapshots", Fields: "field list", Updated: "Page generated",
			Correction: "Correction",
			NoScript:   "JavaScript is off: the page will not update live, and the donation lookup and checkpoint need the API directly.",
		},
		Policy: []string{
			"Only real, still-open needs are served: cancelled, fulfilled or long-unconfirmed needs are not; a product must meet a standard the hospital accepts (a hospital that asked for medical protective masks, GB 19083, never gets KN95 unless it said so); a directed donation goes only to the hospital or area named.",
			"Most urgent first: critical, then high, then normal; a hospital with less than 3 days of stock is critical. Within a tier, designated hospitals and fever clinics first, then by needed-by date in 3-day windows.",
			"Shared fairly when short: in proportion to what each need still lacks, not first come, first served (12 ventilators for needs of 12, 6 and 6 give 6, 3 and 3).",
			"Only sources that arrive in time: lead time plus a day on the road per 800 km must not pass the needed-by date.",
			"Nearest source first, in whole packs (such as 20 masks).",
			"A source that gave a need's units back is not proposed to that need again, unless the manufacturer reports its capacity anew.",
			"Never more than there is; the same facts always give the same result, so anyone can replay and check.",
		},
		Levels: map[string]string{"red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue", "green": "green"},
		Status: map[string]string{"proposed": "proposed", "accepted": "accepted", "dispatched": "dispatched", "delivered": "delivered", "declined": "declined", "expired": "expired", "cancelled": "cancelled"},
	},
}
