dato.region @r( {
