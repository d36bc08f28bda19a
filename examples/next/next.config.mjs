// Next config for the example: nothing to set; the route reads the raw body itself.
export default {};
