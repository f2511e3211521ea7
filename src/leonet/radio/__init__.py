"""The radio layer: Ku-band user-link budgets (``linkbudget``), ITU-R atmospheric attenuation (``atmosphere``),
co-channel interference (``interference``), DVB-S2X adaptive coding and modulation and capacity sharing
(``modcod``), offered load (``demand``), weather (``weather``), the slot pipeline (``model``) and the dish's
pop-ping latency (``latency``). Pure and vectorised; every real-world constant is cited where it is defined and in
docs/references.md."""
