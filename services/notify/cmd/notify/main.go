// Command notify runs the notify service alone, configured from the
// environment (see services/notify/README.md).
package main

import (
	"os"

	"github.com/aidflow/aidflow/services/notify/service"
	"github.com/aidflow/aidflow/shared/platform"
)

func main() {
	os.Exit(platform.Main(service.Name, service.LoadConfig, service.New))
}
