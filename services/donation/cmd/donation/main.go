// Command donation runs the donation service alone, configured from the
// environment (see services/donation/README.md).
package main

import (
	"os"

	"github.com/aidflow/aidflow/services/donation/service"
	"github.com/aidflow/aidflow/shared/platform"
)

func main() {
	os.Exit(platform.Main(service.Name, service.LoadConfig, service.New))
}
