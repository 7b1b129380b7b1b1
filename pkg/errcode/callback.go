package errcode

// CallbackLabel starts every callback entry's English meaning so the codes
// are recognisable wherever they are printed (lists, TSV, JSON).
const CallbackLabel = "Callback crypto library code (not an API errcode): "

// callbackCodes are the return codes of WeCom's WXBizMsgCrypt sample
// libraries (callback URL verification and message decryption). They are
// produced by your own server's library, never by the WeCom API, and only
// look like API errcodes: -40001 has nothing to do with 40001.
var callbackCodes = [...]Entry{
	{-40001, "签名校验错误", CallbackLabel + "msg_signature mismatch (ValidateSignature_Error)",
		"The signature over Token, timestamp, nonce and the encrypted text does not match. Use the Token configured for this callback URL (not the secret or the EncodingAESKey), URL-decode the query parameters, and sign the echostr (GET) or the Encrypt field (POST) exactly as received."},
	{-40002, "XML/JSON解析失败", CallbackLabel + "body is not valid XML/JSON (ParseXml_Error / ParseJsonError)",
		"Pass the raw request body unchanged; check the callback is configured for the format (XML or JSON) your library expects."},
	{-40003, "生成签名失败", CallbackLabel + "computing the signature failed (ComputeSignature_Error)", ""},
	{-40004, "EncodingAESKey非法", CallbackLabel + "EncodingAESKey is invalid (IllegalAesKey)",
		"EncodingAESKey must be exactly 43 characters from [a-zA-Z0-9], copied from the callback settings without spaces."},
	{-40005, "ReceiveId校验失败", CallbackLabel + "ReceiveId in the message does not match (ValidateCorpid_Error)",
		"Configure the receive id WeCom puts in the plaintext: the corpid for self-built apps, the suite_id for third-party command callbacks, an empty string for smart robots."},
	{-40006, "AES加密失败", CallbackLabel + "AES encryption failed (EncryptAES_Error)", ""},
	{-40007, "AES解密失败", CallbackLabel + "AES decryption failed (DecryptAES_Error)",
		"Usually the wrong EncodingAESKey, or a body altered in transit (a '+' turned into a space by URL decoding twice)."},
	{-40008, "解密后得到的buffer非法", CallbackLabel + "decrypted buffer is malformed (IllegalBuffer)",
		"The plaintext length field does not fit: the EncodingAESKey is probably from another app or callback."},
	{-40009, "base64编码失败", CallbackLabel + "base64 encoding failed (EncodeBase64_Error)", ""},
	{-40010, "base64解码失败", CallbackLabel + "base64 decoding failed (DecodeBase64_Error)",
		"The echostr or Encrypt value is not standard base64: URL-decode query parameters exactly once so '+', '/' and '=' survive."},
	{-40011, "生成回包失败", CallbackLabel + "building the reply envelope failed (GenReturnXml_Error / GenJsonError)", ""},
	{-40012, "协议类型非法", CallbackLabel + "unsupported protocol type (IllegalProtocolType)", ""},
}

// Callback looks a code up in the callback-crypto library table.
func Callback(code int) (Entry, bool) {
	for _, e := range callbackCodes {
		if e.Code == code {
			return e, true
		}
	}
	return Entry{}, false
}
