-- Each request from another client: a random API key in the header that the
-- staged bench's Gatekeeper keys buckets by, so about half the keys fall under
-- a 50 % threshold. No cookie is sent back, as an API client would not.
math.randomseed(20240601)

request = function ()
  wrk.headers["x-client-key"] = "client-" .. math.random(1, 1000000)
  return wrk.format(nil, nil)
end
