package sandbox

// The IP lists: getcallbackip (where WeCom's callbacks come from) and
// get_api_domain_ip (where qyapi.weixin.qq.com resolves), from the fixtures.

func (s *Server) callbackIP(*call) (object, *apiError) {
	return object{{"ip_list", nonNilSlice(s.fx.CallbackIPs)}}, nil
}

func (s *Server) apiDomainIP(*call) (object, *apiError) {
	return object{{"ip_list", nonNilSlice(s.fx.APIDomainIPs)}}, nil
}
