from services.balloting.service import definition
from shared.service import main

main(definition())
