package app

// FirstRanks lets the tests make incremental runs ask for more ranks as
// often as possible.
var FirstRanks = &firstRanks
