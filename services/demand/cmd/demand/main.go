// Command demand runs the demand service alone, configured from the
// environment (see services/demand/README.md).
package main

import (
	"os"

	"github.com/aidflow/aidflow/services/demand/service"
	"github.com/aidflow/aidflow/shared/platform"
)

func main() {
	os.Exit(platform.Main(service.Name, service.LoadConfig, service.New))
}
