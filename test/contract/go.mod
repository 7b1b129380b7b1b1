module github.com/wwcli/wwcli/test/contract

go 1.26

require (
	github.com/faabiosr/cachego v0.15.0
	github.com/fastwego/wxwork v1.0.0-beta.8
	github.com/silenceper/wechat/v2 v2.1.10
	github.com/wenerme/go-req v0.10.1
	github.com/wenerme/go-wecom v1.0.0
	github.com/xen0n/go-workwx v1.7.0
)

require (
	github.com/bradfitz/gomemcache v0.0.0-20220106215444-fb4bf637b56d // indirect
	github.com/cenkalti/backoff/v4 v4.1.3 // indirect
	github.com/cespare/xxhash/v2 v2.1.2 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/go-redis/redis/v8 v8.11.5 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	golang.org/x/crypto v0.9.0 // indirect
)
