// Command matcher runs the matcher service alone, configured from the
// environment (see the README's configuration table).
package main

import (
	"os"

	"github.com/aidflow/aidflow/services/matcher/service"
	"github.com/aidflow/aidflow/shared/platform"
)

func main() {
	os.Exit(platform.Main(service.Name, service.LoadConfig, service.New))
}
