module github.com/aidflow/aidflow/e2e

go 1.26.8

require (
	github.com/aidflow/aidflow/contracts v0.0.0
	github.com/aidflow/aidflow/shared v0.0.0
	github.com/aidflow/aidflow/deploy v0.0.0
	github.com/aidflow/aidflow/web v0.0.0
	github.com/aidflow/aidflow/services/registry v0.0.0
	github.com/aidflow/aidflow/services/demand v0.0.0
	github.com/aidflow/aidflow/services/supply v0.0.0
	github.com/aidflow/aidflow/services/donation v0.0.0
	github.com/aidflow/aidflow/services/matcher v0.0.0
	github.com/aidflow/aidflow/services/audit v0.0.0
	github.com/aidflow/aidflow/services/disclosure v0.0.0
)

replace (
	github.com/aidflow/aidflow/contracts => ../contracts
	github.com/aidflow/aidflow/shared => ../shared
	github.com/aidflow/aidflow/deploy => ../deploy
	github.com/aidflow/aidflow/web => ../web
	github.com/aidflow/aidflow/services/registry => ../services/registry
	github.com/aidflow/aidflow/services/demand => ../services/demand
	github.com/aidflow/aidflow/services/supply => ../services/supply
	github.com/aidflow/aidflow/services/donation => ../services/donation
	github.com/aidflow/aidflow/services/matcher => ../services/matcher
	github.com/aidflow/aidflow/services/audit => ../services/audit
	github.com/aidflow/aidflow/services/disclosure => ../services/disclosure
)
