package service

import "github.com/aidflow/aidflow/contracts/openapi"

func spec(name string) []byte {
	b, _ := openapi.Spec(name)
	return b
}
