// Package callback implements WeCom's callback crypto (WXBizMsgCrypt):
// msg_signature, the AES-256-CBC envelope with its 32-byte PKCS#7 padding,
// XML/JSON request and passive-reply envelopes, the secrets resolver and an
// http.Handler for a callback URL. It knows nothing about terminals or cobra.
package callback

import (
	"errors"
	"fmt"
)

// Code is one of the library return codes of the official WXBizMsgCrypt
// samples (https://developer.work.weixin.qq.com/document/path/90968). They are not API errcodes.
type Code int

// The official codes. Names follow the samples so they can be searched.
const (
	CodeValidateSignature Code = -40001
	CodeParse             Code = -40002
	CodeComputeSignature  Code = -40003
	CodeIllegalAESKey     Code = -40004
	CodeValidateReceiveID Code = -40005
	CodeEncryptAES        Code = -40006
	CodeDecryptAES        Code = -40007
	CodeIllegalBuffer     Code = -40008
	CodeEncodeBase64      Code = -40009
	CodeDecodeBase64      Code = -40010
	CodeGenReturn         Code = -40011
	CodeIllegalProtocol   Code = -40012
)

var codeNames = map[Code]string{
	CodeValidateSignature: "ValidateSignature_Error",
	CodeParse:             "ParseXml_Error",
	CodeComputeSignature:  "ComputeSignature_Error",
	CodeIllegalAESKey:     "IllegalAesKey",
	CodeValidateReceiveID: "ValidateCorpid_Error",
	CodeEncryptAES:        "EncryptAES_Error",
	CodeDecryptAES:        "DecryptAES_Error",
	CodeIllegalBuffer:     "IllegalBuffer",
	CodeEncodeBase64:      "EncodeBase64_Error",
	CodeDecodeBase64:      "DecodeBase64_Error",
	CodeGenReturn:         "GenReturnXml_Error",
	CodeIllegalProtocol:   "IllegalProtocolType",
}

// Name is the sample's constant name, e.g. "ValidateSignature_Error".
func (c Code) Name() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "Unknown_Error"
}

// Error is a callback crypto failure carrying its official code.
type Error struct {
	Code   Code
	Detail string // what went wrong and, where we know it, how to fix it
	Err    error  // underlying cause, if any
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", int(e.Code), e.Code.Name(), e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, &Error{Code: X}) match any error with code X.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Detail == "" && t.Err == nil && t.Code == e.Code
}

func errorf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, a...)}
}

// CodeOf returns the code carried by err, or 0 when err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}
