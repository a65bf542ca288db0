//! The `ephemail` command line.
