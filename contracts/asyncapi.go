package contracts

import _ "embed"

// AsyncAPI is the AsyncAPI 3.0 document of every event: one channel per
// event type (subject <type>.<item>), its stream, and a reference to its
// JSON Schema under schemas/. It lives at the module root so those relative
// references resolve as they do in the repository.
//
//go:embed asyncapi.json
var AsyncAPI []byte
