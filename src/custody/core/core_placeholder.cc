// The core module (see docs/architecture.md); features are added in their own files.
