package ports

import "html/template"

// texts are every word the console's pages and messages show; zh-CN is
// the default, English the switch. The templates print nothing else of
// their own (words_test.go checks both). A text with %d or %s is a format
// the template or handler fills in (printf); template.HTML texts carry a
// <code> element and are constants, never built from input.
type texts struct {
	Console, Skip, Language, NavLabel, SignedInAs, SignOut, Footer, Back, Colon, Yes, No string

	// Page titles (the navigation's names too).
	Overview, Feed, Anomalies, Allocations, Audit, SignIn, AllocationTitle, FormRefused, ActionFailed string

	// Messages: confirmations after an action, refusals, the API down.
	DoneReviewed, DoneCancelled, DoneMade, DoneRedirected                  string
	CSRFHeading, CSRFDetail, EndedHeading, EndedDetail                     string
	NoTokenHeading, NoTokenDetail, NotRegulatorHeading, NotRegulatorDetail string
	TokenRefused, APIRefused, Unreachable, UnreachableDetail               string
	NotSent, QuantityWhole, OneDay, Days                                   string

	// Sign-in.
	SignInLead, TokenLabel string
	TokenHint              template.HTML

	// Supply and demand.
	Partial, SupplyHeading, SupplyNote, SupplyCaption, Item, Province, AvailableNow, Remaining   string
	DailyOutput, OpenDemand, Gap, KeepingUp, Nationwide, NationwideInline, NoOutput, DaysToCover string
	NoSupply, DailyHeading, DailyNote, Show, Date, StockAtDayEnd, Reserved, ReportsStanding      string
	ReportsSent, NoDaily, MakersHeading, MakersNote, Manufacturer, ItemsReported, LastReport     string
	OpenNeedsStale, Unallocated, PostedThatDay, DeliveredThatDay                                 string
	Reporting, AllocationCount, Declined, DeclineRate, Never, Stale, Current, NoMakers           string

	// The event feed.
	Filters, AnyItem, AnyProvince, OrgID, EventType, AnyType, Since, ApplyFilters string
	LiveOff, LiveOn, LiveRetry, Index, Time, Type, Subject, Organization, EventID string
	NoEvents, NextEvents                                                          string

	// Anomalies.
	MoreAnomalies, NoAnomalies, Rule, ItsStory, Began, Threshold, Observed, Raised, ExpectedToAct string
	Evidence, EvidenceLink, Reviewed, ReviewAgain, ReviewNote, MarkReviewed, NoteHint             string

	// Allocations and the override form.
	MakeHeading, NeedID, SourceKind, CapacityOption, SourceID, SourceHint, Quantity     string
	WrittenReason, ReasonPublic, MakeButton, ListHeading, Status, AnyStatus, MoreListed string
	Allocation, Source, Hospital, DecidedBy, Updated, NoAllocations, NoAllocationsWith  string
	MakeNote                                                                            template.HTML

	// An allocation's story.
	CouldNotReadNeed, Decision, Reason, Decided, Need, NeedSummary, NeedStatus, NeedProgress           string
	AcceptedStandards, QuantityUnits, CurrentReport, CurrentReportIs, StepsHeading, Shipped, ByCarrier string
	Received, ReceivedGood, Step, ShippedQty, ReceivedQty, Damaged, NoSteps, CancelHeading             string
	CancelButton, AnotherAllocation, RedirectHeading, TargetNeed, RedirectPublic, RedirectButton       string
	CancelNote, RedirectNote                                                                           template.HTML

	// The audit log.
	CheckpointHeading, Size, RootHash, Signed, Origin, VerifierKey, NoCheckpoint, VerifyHeading string
	VerifyNow, Intact, RecordsChecked, FirstBad, Detail, ProofHeading, GetProof, Event, AtIndex string
	LeafHash, TreeSize, CheckpointRoot, Proof, ProofRefused                                     string
	ProofNote                                                                                   template.HTML
}

// language is one language's words: the texts and the names of the API's
// codes (a code the table does not know is shown as it is).
type language struct {
	T texts
	// Status names allocation statuses; NeedStatus, Urgency, Kind (source
	// kinds), Rule (anomaly rules), Subject (anomaly subjects) and Step
	// (need timeline entries) the other codes the pages show.
	Status, NeedStatus, Urgency, Kind, Rule, Subject, Step map[string]string
}

var words = map[string]language{
	"zh-CN": {
		T: texts{
			Console: "Aidflow 监管工作台", Skip: "跳到主要内容", Language: "语言", NavLabel: "工作台页面",
			SignedInAs: "当前登录：", SignOut: "退出登录", Back: "返回", Colon: "：", Yes: "是", No: "否",
			Footer: "这里的每个数字、每项操作都是用您自己的令牌调用 Aidflow 接口完成的：工作台只显示、只执行您的令牌有权做的事。",

			Overview: "供需总览", Feed: "实时事件", Anomalies: "异常", Allocations: "调拨", Audit: "审计日志", SignIn: "登录",
			AllocationTitle: "调拨 %s", FormRefused: "表单被拒绝", ActionFailed: "操作未完成",

			DoneReviewed:        "异常已标记为已复核，复核已记入审计日志。",
			DoneCancelled:       "调拨已取消，物资已回到可分配池。",
			DoneMade:            "调拨已完成，已连同您的理由记录。",
			DoneRedirected:      "物资已改调：这是新的调拨；原调拨已取消，并注明了这笔新调拨。",
			CSRFHeading:         "这个表单已过期，或不是从工作台提交的。",
			CSRFDetail:          "请重新打开页面后再提交。",
			EndedHeading:        "您的登录已结束。",
			EndedDetail:         "接口不再接受您的令牌（已过期或已被吊销）。请重新登录。",
			NoTokenHeading:      "没有令牌。",
			NoTokenDetail:       "请粘贴您的监管令牌。",
			NotRegulatorHeading: "已拒绝。",
			NotRegulatorDetail:  "本工作台仅供监管部门使用；这个令牌属于其他角色。",
			TokenRefused:        "接口拒绝了这个令牌：",
			APIRefused:          "接口拒绝了请求（HTTP %d）：",
			Unreachable:         "无法连接接口。",
			UnreachableDetail:   "请稍后再试。",
			NotSent:             "未提交。",
			QuantityWhole:       "数量必须是大于零的整数。",
			OneDay:              "1 天", Days: "%d 天",

			SignInLead: "请用本机构的监管令牌登录。工作台会向接口核验令牌，只把它保存在本浏览器一个加密的 HttpOnly Cookie 中；监管以外的角色一律拒绝。",
			TokenLabel: "监管令牌",
			TokenHint:  "令牌以 <code>aft1.</code> 开头，由运维方签发（<code>POST /v1/orgs/{id}/tokens</code>）。",

			Partial:       "列表超过了工作台一次读取的上限，以下合计只包括前一部分。",
			SupplyHeading: "按物资和省份：供应与未满足需求",
			SupplyNote:    "“当前可用”和“剩余”是各企业当前产能申报之和（剩余 = 当前可用 − 在途调拨已预留）；日产量是企业申报的每日产量；未满足需求是医院处于待分配、部分分配和待确认状态的需求还缺的数量。缺口是目前没有任何来源能提供的未满足需求；补足天数是缺口除以日产量。",
			SupplyCaption: "供应与未满足需求", Item: "物资", Province: "省份", AvailableNow: "当前可用", Remaining: "剩余",
			DailyOutput: "日产量", OpenDemand: "未满足需求", Gap: "缺口", KeepingUp: "能否跟上", Nationwide: "全国", NationwideInline: "全国",
			NoOutput: "未申报产量", DaysToCover: "需 %d 天产量才能补上",
			NoSupply:     "还没有产能申报，也没有未满足的需求。",
			DailyHeading: "近 %d 天每日供应与未满足需求：%s",
			DailyNote:    "各企业的申报和每项需求在每天结束时（北京时间）的状态（在下一次变化前一直有效），分别由供应服务和需求服务汇总。“当天申报”是当天报送过的企业数：数字下降说明报送正在滞后。未关闭需求是尚未满足也未取消的需求（括号内是其中待确认的）；未分配是还没有调拨承担的数量。缺口是未分配需求中超出各来源当时还能提供的部分（库存 − 已预留）；补足天数是缺口除以日产量。",
			Show:         "显示", Date: "日期", StockAtDayEnd: "日末库存", Reserved: "已预留", ReportsStanding: "有效申报", ReportsSent: "当天申报",
			NoDaily:        "这几天既没有产能申报，也没有未关闭的需求。",
			OpenNeedsStale: "未关闭需求（待确认）", Unallocated: "未分配", PostedThatDay: "当天新增需求", DeliveredThatDay: "当天签收",
			MakersHeading: "生产企业：谁已申报、谁已滞后、谁拒绝调拨",
			MakersNote:    "滞后：超过 %s没有产能申报。滞后的排在前面，其次按拒绝次数从多到少。",
			Manufacturer:  "生产企业", ItemsReported: "申报物资数", LastReport: "最近申报", Reporting: "申报情况",
			AllocationCount: "调拨数", Declined: "拒绝数", DeclineRate: "拒绝率", Never: "从未申报", Stale: "滞后", Current: "正常",
			NoMakers: "还没有生产企业申报。",

			Filters: "筛选", AnyItem: "全部物资", AnyProvince: "全部省份", OrgID: "机构 ID", EventType: "事件类型", AnyType: "全部类型",
			Since: "起始时间（UTC，RFC 3339 格式）", ApplyFilters: "应用筛选并刷新",
			LiveOff: "刷新页面或点击按钮查看新事件。", LiveOn: "实时：新事件一经记录就出现在下方。", LiveRetry: "实时更新暂停，正在重试；刷新按钮仍可使用。",
			Index: "序号", Time: "时间", Type: "类型", Subject: "对象", Organization: "机构", EventID: "事件 ID",
			NoEvents: "自 %s 以来没有符合条件的事件。", NextEvents: "后面的事件",

			MoreAnomalies: "只列出了前一部分异常。", NoAnomalies: "还没有发现异常。", Rule: "规则", ItsStory: "查看调拨经过", Began: "开始时间",
			Threshold: "阈值", Observed: "实际情况", Raised: "发现时间", ExpectedToAct: "应处理的机构",
			Evidence: "证据", EvidenceLink: "该机构该物资的相关事件", Reviewed: "已复核",
			ReviewAgain: "再次复核：说明", ReviewNote: "复核说明", MarkReviewed: "标记为已复核",
			NoteHint: "写明发现了什么、做了什么；说明会连同您的机构记入审计日志。",

			MakeHeading: "人工调拨（干预）", NeedID: "需求 ID", SourceKind: "来源类型", CapacityOption: "产能（企业的产能申报）",
			SourceID: "来源 ID", SourceHint: "产能申报的 ID（该企业对这种物资的申报）或捐赠的 ID。", Quantity: "数量",
			WrittenReason: "书面理由", ReasonPublic: "公开：理由会随这笔调拨显示在公开页面上。", MakeButton: "确认调拨",
			ListHeading: "调拨列表", Status: "状态", AnyStatus: "全部状态", MoreListed: "只列出了前一部分调拨。",
			Allocation: "调拨", Source: "来源", Hospital: "医院", DecidedBy: "决策方", Updated: "更新时间",
			NoAllocations: "没有调拨。", NoAllocationsWith: "没有状态为“%s”的调拨。",
			MakeNote: "人工调拨与其他决定一样记录并公开，决策方是您的机构，并附上您写的理由（<code>POST /v1/allocations</code>）。",

			CouldNotReadNeed: "无法读取这笔调拨的需求。", Decision: "决定", Reason: "理由", Decided: "决定时间", Need: "需求",
			NeedSummary: "%d × %s，%s，需在 %s 前到货", NeedStatus: "需求状态", NeedProgress: "已分配 %d，已发货 %d，已签收 %d",
			AcceptedStandards: "接受的标准", QuantityUnits: "数量（基本单位）",
			CurrentReport: "当前申报", CurrentReportIs: "当前可用 %d，已预留 %d，剩余 %d，日产 %d，标准 %s，申报于 %s",
			StepsHeading: "接受、发货与签收", Shipped: "已发货", ByCarrier: "，承运方 %s", Received: "已签收", ReceivedGood: "完好 %d，损坏 %d",
			Step: "步骤", ShippedQty: "发货数", ReceivedQty: "签收数", Damaged: "损坏数", NoSteps: "需求的时间线上还没有这笔调拨的步骤。",
			CancelHeading: "取消这笔调拨（干预）", CancelButton: "取消调拨", AnotherAllocation: "为这个需求另行调拨",
			RedirectHeading: "把未发货的物资改调给另一个需求（干预）", TargetNeed: "目标需求 ID",
			RedirectPublic: "公开：理由会随新的调拨显示在公开页面上。", RedirectButton: "改调",
			CancelNote:   "物资回到可分配池，需求重新匹配（<code>POST /v1/allocations/{id}/cancel</code>）；货物发出后接口会拒绝。",
			RedirectNote: "一步完成：取消这笔调拨，并从同一来源为您指定的需求新建一笔调拨（<code>POST /v1/allocations/{id}/redirect</code>）。目标必须是同一物资、接受该来源标准、仍在等待的需求。",

			CheckpointHeading: "最新签名检查点", Size: "记录数", RootHash: "根哈希", Signed: "签名时间", Origin: "日志名",
			VerifierKey: "验证公钥", NoCheckpoint: "还没有签名的检查点。", VerifyHeading: "立即校验日志", VerifyNow: "立即校验",
			Intact: "完整", RecordsChecked: "已核对记录", FirstBad: "第一条有问题的记录", Detail: "详情",
			ProofHeading: "事件的包含证明", GetProof: "获取证明", Event: "事件", AtIndex: "，序号 %d",
			LeafHash: "叶哈希", TreeSize: "树大小", CheckpointRoot: "检查点根哈希", Proof: "证明", ProofRefused: "接口没有给出这个事件的证明：",
			ProofNote: "可用 <code>tlog.CheckRecord(proof, tree size, root, index, leaf hash)</code> 或 <code>verify</code> 命令核对（见 <code>services/audit/README.md</code>）。",
		},
		Status:     map[string]string{"proposed": "待接受", "accepted": "已接受", "dispatched": "已发货", "delivered": "已签收", "declined": "已拒绝", "expired": "已过期", "cancelled": "已取消"},
		NeedStatus: map[string]string{"open": "待分配", "partially_allocated": "部分分配", "allocated": "已分配", "fulfilled": "已满足", "cancelled": "已取消", "stale": "待确认"},
		Urgency:    map[string]string{"critical": "危急", "high": "高", "normal": "一般"},
		Kind:       map[string]string{"capacity": "产能", "donation": "捐赠"},
		Rule: map[string]string{
			"accepted_not_dispatched": "接受后未发货", "dispatched_no_receipt": "发货后未签收", "short_receipt": "签收短少",
			"price_above_median": "价格远高于中位数", "pledge_not_shipped": "认捐后未发货", "directed_gift_overdue": "定向捐赠逾期",
			"supply_idle_while_critical": "有危急需求时供应闲置", "received_over_consumption": "接收量远超消耗",
		},
		Subject: map[string]string{"allocation": "调拨", "donation": "捐赠", "capacity": "产能申报", "hospital_item": "医院的某种物资"},
		Step: map[string]string{
			"posted": "发布需求", "confirmed": "确认需求", "cancelled": "取消需求", "stale": "需求待确认",
			"allocation_proposed": "分配", "allocation_accepted": "接受调拨", "allocation_declined": "拒绝调拨",
			"allocation_dispatched": "发货", "allocation_received": "签收", "allocation_expired": "调拨过期", "allocation_cancelled": "调拨取消",
		},
	},
	"en": {
		T: texts{
			Console: "Aidflow regulators' console", Skip: "Skip to the content", Language: "Language", NavLabel: "Console",
			SignedInAs: "Signed in as", SignOut: "Sign out", Back: "Back", Colon: ": ", Yes: "yes", No: "no",
			Footer: "Every figure and action here is a call to the Aidflow API made with your own token: the console shows and does only what your token may.",

			Overview: "Supply and demand", Feed: "Live events", Anomalies: "Anomalies", Allocations: "Allocations", Audit: "Audit log", SignIn: "Sign in",
			AllocationTitle: "Allocation %s", FormRefused: "Form refused", ActionFailed: "Action failed",

			DoneReviewed:        "The anomaly is marked reviewed; the review is recorded in the audit log.",
			DoneCancelled:       "The allocation is cancelled; its units are back in the pool.",
			DoneMade:            "The allocation is made and recorded with your reason.",
			DoneRedirected:      "The units are redirected: this is the new allocation; the old one is cancelled and names it.",
			CSRFHeading:         "This form has expired or did not come from the console.",
			CSRFDetail:          "Open the page again and resubmit.",
			EndedHeading:        "Your session ended.",
			EndedDetail:         "The API no longer accepts your token (it expired or was revoked). Sign in again.",
			NoTokenHeading:      "No token.",
			NoTokenDetail:       "Paste your regulator token.",
			NotRegulatorHeading: "Refused.",
			NotRegulatorDetail:  "This console is for regulators only; the token belongs to another role.",
			TokenRefused:        "The API refused this token:",
			APIRefused:          "The API refused (HTTP %d):",
			Unreachable:         "The API could not be reached.",
			UnreachableDetail:   "Try again in a moment.",
			NotSent:             "Not sent.",
			QuantityWhole:       "The quantity must be a whole number above zero.",
			OneDay:              "1 day", Days: "%d days",

			SignInLead: "Sign in with your organization's regulator token. The console checks it with the API and keeps it only in a sealed, HttpOnly cookie for this browser; any role but regulator is refused.",
			TokenLabel: "Regulator token",
			TokenHint:  "A token starts with <code>aft1.</code>; your operator issues it (<code>POST /v1/orgs/{id}/tokens</code>).",

			Partial:       "The lists were longer than the console reads at once; these totals cover their first part only.",
			SupplyHeading: "Supply against open demand, by item and province",
			SupplyNote:    "Available and remaining sum the manufacturers' current capacity reports (remaining = available − reserved by live allocations); daily output is their reported daily rate; open demand is what hospitals' open, partly allocated and stale needs still lack. A gap is open demand that no source can give now; days to cover is the gap over daily output.",
			SupplyCaption: "Supply against open demand", Item: "Item", Province: "Province", AvailableNow: "Available now", Remaining: "Remaining",
			DailyOutput: "Daily output", OpenDemand: "Open demand", Gap: "Gap", KeepingUp: "Keeping up?", Nationwide: "Nationwide", NationwideInline: "nationwide",
			NoOutput: "no output reported", DaysToCover: "%d days of output to cover",
			NoSupply:     "No capacity reported and no open needs yet.",
			DailyHeading: "Supply and open demand per day, last %d days: %s",
			DailyNote:    "Each manufacturer's report and each need as they stood at the end of each day (China time; a figure stands until the next change), added up by the supply and demand services. \"Reports sent\" counts the manufacturers who reported that day: a fall means reporting is going stale. Open needs are those neither fulfilled nor cancelled (the stale ones among them in brackets); unallocated is what no allocation held yet. A gap is unallocated demand beyond what sources could still give (stock − reserved); days to cover is the gap over daily output.",
			Show:         "Show", Date: "Date", StockAtDayEnd: "Stock at day's end", Reserved: "Reserved", ReportsStanding: "Reports standing", ReportsSent: "Reports sent",
			NoDaily:        "No capacity was reported and no need was open in these days.",
			OpenNeedsStale: "Open needs (stale)", Unallocated: "Unallocated", PostedThatDay: "Needs posted", DeliveredThatDay: "Units delivered",
			MakersHeading: "Manufacturers: who reported, who is stale, who declines",
			MakersNote:    "Stale: no capacity report for more than %s. Stale ones first, then the most declines.",
			Manufacturer:  "Manufacturer", ItemsReported: "Items reported", LastReport: "Last report", Reporting: "Reporting",
			AllocationCount: "Allocations", Declined: "Declined", DeclineRate: "Decline rate", Never: "never", Stale: "stale", Current: "current",
			NoMakers: "No manufacturer has reported yet.",

			Filters: "Filters", AnyItem: "any item", AnyProvince: "any province", OrgID: "Organization id", EventType: "Event type", AnyType: "any type",
			Since: "Since (UTC, RFC 3339)", ApplyFilters: "Apply filters and refresh",
			LiveOff: "Refresh the page or press the button to see new events.", LiveOn: "Live: new events appear below as they are recorded.", LiveRetry: "Live updates paused; retrying. The refresh button still works.",
			Index: "Index", Time: "Time", Type: "Type", Subject: "Subject", Organization: "Organization", EventID: "Event id",
			NoEvents: "No event matches since %s.", NextEvents: "Next events",

			MoreAnomalies: "Only the first anomalies are listed.", NoAnomalies: "No anomaly has been raised.", Rule: "Rule", ItsStory: "its story", Began: "Since",
			Threshold: "Threshold", Observed: "Observed", Raised: "Raised", ExpectedToAct: "Expected to act",
			Evidence: "Evidence", EvidenceLink: "the events of this subject's organization and item", Reviewed: "Reviewed",
			ReviewAgain: "Review again: note", ReviewNote: "Review note", MarkReviewed: "Mark reviewed",
			NoteHint: "Say what you found and what was done; the note is recorded in the audit log with your organization.",

			MakeHeading: "Make an allocation by hand (override)", NeedID: "Need id", SourceKind: "Source kind", CapacityOption: "capacity (a manufacturer's report)",
			SourceID: "Source id", SourceHint: "The capacity report's id (the manufacturer's report of this item) or the donation's id.", Quantity: "Quantity",
			WrittenReason: "Written reason", ReasonPublic: "Public: it is shown with the allocation on the disclosure page.", MakeButton: "Make the allocation",
			ListHeading: "Allocations", Status: "Status", AnyStatus: "any status", MoreListed: "Only the first allocations are listed.",
			Allocation: "Allocation", Source: "Source", Hospital: "Hospital", DecidedBy: "Decided by", Updated: "Updated",
			NoAllocations: "No allocation.", NoAllocationsWith: "No allocation with status %s.",
			MakeNote: "An override is recorded and published like any decision, with your organization as the decider and your written reason (<code>POST /v1/allocations</code>).",

			CouldNotReadNeed: "Could not read the allocation's need.", Decision: "Decision", Reason: "Reason", Decided: "Decided", Need: "Need",
			NeedSummary: "%d × %s, %s, needed by %s", NeedStatus: "Need status", NeedProgress: "%d allocated, %d dispatched, %d delivered",
			AcceptedStandards: "Accepted standards", QuantityUnits: "Quantity (base units)",
			CurrentReport: "Current report", CurrentReportIs: "%d available, %d reserved, %d remaining, %d/day, standard %s, reported %s",
			StepsHeading: "Acceptance, dispatch and receipt", Shipped: "Shipped", ByCarrier: " by %s", Received: "Received", ReceivedGood: "%d good, %d damaged",
			Step: "Step", ShippedQty: "Shipped", ReceivedQty: "Received", Damaged: "Damaged", NoSteps: "No step recorded on the need's timeline yet.",
			CancelHeading: "Cancel this allocation (override)", CancelButton: "Cancel the allocation", AnotherAllocation: "Make another allocation for this need",
			RedirectHeading: "Redirect the unshipped units to another need (override)", TargetNeed: "Target need id",
			RedirectPublic: "Public: it is shown with the new allocation on the disclosure page.", RedirectButton: "Redirect the allocation",
			CancelNote:   "The units go back to the pool and the need is matched again (<code>POST /v1/allocations/{id}/cancel</code>); the API refuses once the goods have shipped.",
			RedirectNote: "One action: this allocation is cancelled and a new one, from the same source, is made for the need you name (<code>POST /v1/allocations/{id}/redirect</code>). The target must be an open need of the same item that accepts the source's standard.",

			CheckpointHeading: "Latest signed checkpoint", Size: "Size", RootHash: "Root hash", Signed: "Signed", Origin: "Origin",
			VerifierKey: "Verifier key", NoCheckpoint: "No checkpoint has been signed yet.", VerifyHeading: "Verify the log now", VerifyNow: "Verify now",
			Intact: "Intact", RecordsChecked: "Records checked", FirstBad: "First bad record", Detail: "Detail",
			ProofHeading: "Inclusion proof of an event", GetProof: "Get the proof", Event: "Event", AtIndex: " at index %d",
			LeafHash: "Leaf hash", TreeSize: "Tree size", CheckpointRoot: "checkpoint root", Proof: "Proof", ProofRefused: "The API gave no proof of this event:",
			ProofNote: "Check it with <code>tlog.CheckRecord(proof, tree size, root, index, leaf hash)</code> or the <code>verify</code> command (<code>services/audit/README.md</code>).",
		},
		Status:     map[string]string{"proposed": "proposed", "accepted": "accepted", "dispatched": "dispatched", "delivered": "delivered", "declined": "declined", "expired": "expired", "cancelled": "cancelled"},
		NeedStatus: map[string]string{"open": "open", "partially_allocated": "partly allocated", "allocated": "allocated", "fulfilled": "fulfilled", "cancelled": "cancelled", "stale": "stale"},
		Urgency:    map[string]string{"critical": "critical", "high": "high", "normal": "normal"},
		Kind:       map[string]string{"capacity": "capacity", "donation": "donation"},
		Rule: map[string]string{
			"accepted_not_dispatched": "accepted, not dispatched", "dispatched_no_receipt": "dispatched, no receipt", "short_receipt": "short receipt",
			"price_above_median": "price far above the median", "pledge_not_shipped": "pledge not shipped", "directed_gift_overdue": "directed gift overdue",
			"supply_idle_while_critical": "supply idle while a critical need waits", "received_over_consumption": "received far more than used",
		},
		Subject: map[string]string{"allocation": "allocation", "donation": "donation", "capacity": "capacity report", "hospital_item": "a hospital's item"},
		Step: map[string]string{
			"posted": "posted", "confirmed": "confirmed", "cancelled": "need cancelled", "stale": "need went stale",
			"allocation_proposed": "allocation proposed", "allocation_accepted": "allocation accepted", "allocation_declined": "allocation declined",
			"allocation_dispatched": "allocation dispatched", "allocation_received": "receipt", "allocation_expired": "allocation expired", "allocation_cancelled": "allocation cancelled",
		},
	},
}
