module github.com/aidflow/aidflow/services/demand

go 1.26.8

require (
	github.com/aidflow/aidflow/contracts v0.0.0
	github.com/aidflow/aidflow/shared v0.0.0
)

replace (
	github.com/aidflow/aidflow/contracts => ../../contracts
	github.com/aidflow/aidflow/shared => ../../shared
)
