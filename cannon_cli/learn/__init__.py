"""Learning to aim: a small MLP, the surrogate of the physics, the aiming policy trained through
the physics, and the three approaches compared."""
