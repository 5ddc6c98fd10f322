module github.com/aidflow/aidflow/web

go 1.26.8

