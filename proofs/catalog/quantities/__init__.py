"""The paper's engine quantities as sympy functions, for use in claims (one's own included):

    from forgetcheck.catalog.quantities import Misassignment, NormalCDF

`overlap` holds THEORY §0-§1's (misassignment, divergences, Φ), `kl` §2-§4's (objectives, their
derivatives, κ's, replay), `methods` §5-§6's."""
from forgetcheck.catalog.quantities.kl import *  # noqa: F401,F403
from forgetcheck.catalog.quantities.methods import *  # noqa: F401,F403
from forgetcheck.catalog.quantities.overlap import *  # noqa: F401,F403
