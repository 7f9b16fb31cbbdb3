from shared.service import main
from services.balloting.service import definition

main(definition())
