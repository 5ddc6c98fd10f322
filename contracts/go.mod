module github.com/aidflow/aidflow/contracts

go 1.26.8

