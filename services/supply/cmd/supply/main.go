// Command supply runs the supply service alone, configured from the
// environment (see services/supply/README.md).
package main

import (
	"os"

	"github.com/aidflow/aidflow/services/supply/service"
	"github.com/aidflow/aidflow/shared/platform"
)

func main() {
	os.Exit(platform.Main(service.Name, service.LoadConfig, service.New))
}
