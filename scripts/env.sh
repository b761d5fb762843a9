# Sourced by the other scripts: the tool paths and build settings every command shares.
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
# Queries are checked at compile time against the committed .sqlx/ data: no database needed.
export SQLX_OFFLINE=true
