"""The physics: air, drag, the vector field and its integrator (with its autograd primitive), the
vacuum closed forms, and the flight of one shot. Depends on the data layer only."""
